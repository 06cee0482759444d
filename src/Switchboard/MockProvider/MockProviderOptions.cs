namespace Switchboard.MockProvider;

/// <summary>Settings of the fault-injecting mock upstream. Request headers (<c>x-mock-*</c>) override the defaults per call.</summary>
internal sealed record MockProviderOptions
{
    /// <summary>0 picks any free port; read the real one from <see cref="MockProviderServer.Port"/>.</summary>
    public int Port { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Content chunks of a streamed answer (<c>x-mock-chunks</c> overrides); also the answer's completion_tokens.</summary>
    public int DefaultChunks { get; init; } = 8;

    /// <summary>Pause between streamed chunks (<c>x-mock-chunk-delay-ms</c> overrides).</summary>
    public TimeSpan DefaultChunkDelay { get; init; }

    /// <summary>How long <c>slow-*</c> keys wait before answering (<c>x-mock-delay-ms</c> overrides).</summary>
    public TimeSpan SlowDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long an admitted <c>conc&lt;N&gt;-*</c> call stays in flight before answering (<c>x-mock-delay-ms</c> overrides),
    /// so that concurrent calls really overlap and a gateway that ignores the cap is caught.
    /// </summary>
    public TimeSpan ConcurrencyHold { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Request headers to keep, by name, for every model call (<see cref="MockProviderServer.RecordedHeaders"/>): what a
    /// gateway sends upstream, checked by tests. None by default (nothing is kept).
    /// </summary>
    public IReadOnlyList<string> RecordHeaders { get; init; } = [];
}
