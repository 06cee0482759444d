using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace Switchboard.MockProvider;

/// <summary>Writes server-sent events straight into the response pipe and flushes each one, so every chunk leaves at once.</summary>
internal sealed class SseWriter : IDisposable
{
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;

    public SseWriter(PipeWriter pipe)
    {
        _pipe = pipe;
        _json = new Utf8JsonWriter(pipe, MockJson.WriterOptions);
    }

    /// <summary>Starts <c>data: </c>; write one JSON value to the returned writer, then call <see cref="EndAsync"/>.</summary>
    public Utf8JsonWriter BeginData()
    {
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        return _json;
    }

    /// <summary>Starts <c>event: NAME</c> and its <c>data: </c> line (Anthropic's framing).</summary>
    public Utf8JsonWriter BeginEvent(ReadOnlySpan<byte> name)
    {
        _pipe.Write("event: "u8);
        _pipe.Write(name);
        _pipe.Write("\ndata: "u8);
        _json.Reset(_pipe);
        return _json;
    }

    /// <summary>Ends the event and flushes it.</summary>
    /// <returns>false when the client has gone, so the stream should stop.</returns>
    public ValueTask<bool> EndAsync(CancellationToken ct)
    {
        _json.Flush();
        _pipe.Write("\n\n"u8);
        return FlushAsync(ct);
    }

    /// <summary>Writes a whole precomputed event (e.g. <c>data: [DONE]</c>) and flushes it.</summary>
    public ValueTask<bool> WriteRawAsync(ReadOnlySpan<byte> bytes, CancellationToken ct)
    {
        _pipe.Write(bytes);
        return FlushAsync(ct);
    }

    public void Dispose() => _json.Dispose();

    private async ValueTask<bool> FlushAsync(CancellationToken ct)
    {
        var result = await _pipe.FlushAsync(ct);
        return !result.IsCompleted && !result.IsCanceled;
    }
}
