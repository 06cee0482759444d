using System.Runtime.CompilerServices;

namespace Switchboard.Upstream;

/// <summary>
/// An upstream answer whose headers have arrived; the body is read by the relay. Disposing it releases the
/// connection (or, for the mock provider, stops its generator).
/// </summary>
internal sealed class UpstreamResponse : IAsyncDisposable
{
    private readonly HttpResponseMessage? _message;

    public UpstreamResponse(HttpResponseMessage message, Stream body)
    {
        _message = message;
        StatusCode = (int)message.StatusCode;
        Body = body;
    }

    public UpstreamResponse(int statusCode, Stream body, IReadOnlyDictionary<string, string>? headers = null)
    {
        StatusCode = statusCode;
        Body = body;
        LocalHeaders = headers;
    }

    public int StatusCode { get; }

    /// <summary>The body as the relay reads it: the upstream's, or after <see cref="WatchIdle"/> the same with an idle timer.</summary>
    public Stream Body { get; private set; }

    /// <summary>The body once the attempt loop has read and checked it whole (non-stream answers); null before.</summary>
    private byte[]? Buffered { get; set; }

    /// <summary>The answer's <c>Content-Type</c>, or null when it sent none.</summary>
    public string? ContentType => Header("Content-Type");
    private IReadOnlyDictionary<string, string>? LocalHeaders { get; }

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>One header's first value from the response or its content headers, or null.</summary>
    public string? Header(string name)
    {
        if (_message is null)
        {
            return LocalHeaders is not null && LocalHeaders.TryGetValue(name, out var v) ? v : null;
        }

        // Unvalidated: the raw value, neither parsed (a MediaTypeHeaderValue for Content-Type) nor copied into an array.
        if (_message.Headers.NonValidated.TryGetValues(name, out var values) || _message.Content.Headers.NonValidated.TryGetValues(name, out values))
        {
            foreach (var value in values)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>
    /// Ends every read of <see cref="Body"/> that waits longer than <paramref name="idleTimeout"/> with
    /// <see cref="StreamIdleTimeoutException"/> (<c>stream_idle_timeout</c>).
    /// </summary>
    public void WatchIdle(TimeSpan idleTimeout, TimeProvider time) => Body = new IdleTimeoutStream(Body, idleTimeout, time);

    /// <summary>Reads the whole body once, to be checked before the relay; the relay's <see cref="ReadAllAsync"/> then returns it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]> BufferAsync(long limit, CancellationToken ct) => Buffered = await ReadAllAsync(limit, ct);

    /// <summary>Reads the whole body, bounded, for error classification and non-stream relays.</summary>
    /// <remarks>Its state machine comes from a pool (one call's worth of garbage less, docs/benchmarks.md); await it once.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]> ReadAllAsync(long limit, CancellationToken ct)
    {
        if (Buffered is { } buffered)
        {
            return buffered;
        }

        // Most answers fit the first rented buffer: then the only allocation is the exact-size result. Longer ones go on
        // into a MemoryStream that starts with what was read.
        var rent = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        MemoryStream? buffer = null;
        try
        {
            var filled = 0;
            int read;
            while ((read = await Body.ReadAsync(rent.AsMemory(filled), ct)) > 0)
            {
                filled += read;
                if (filled > limit)
                {
                    throw new InvalidDataException($"upstream body larger than {limit} bytes");
                }

                if (filled == rent.Length)
                {
                    break;
                }
            }

            if (read == 0)
            {
                return rent.AsSpan(0, filled).ToArray();
            }

            buffer = new MemoryStream(filled * 2);
            buffer.Write(rent, 0, filled);
            while ((read = await Body.ReadAsync(rent, ct)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new InvalidDataException($"upstream body larger than {limit} bytes");
                }

                buffer.Write(rent, 0, read);
            }

            return buffer.ToArray();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rent);
            buffer?.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Body.DisposeAsync();
        _message?.Dispose();
    }
}
