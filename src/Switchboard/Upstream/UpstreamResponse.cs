using System.Runtime.CompilerServices;

namespace Switchboard.Upstream;

/// <summary>
/// An upstream answer whose headers have arrived; the body is read by the relay. Disposing it releases the
/// connection (or, for the mock provider, stops its generator).
/// </summary>
internal sealed class UpstreamResponse : IAsyncDisposable, IHeaderSource
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

    // The body once the attempt loop has read and checked it whole (non-stream answers): _buffered[.._bufferedLength],
    // in an array rented from the shared pool (_rented) unless it outgrew the first rental. Returned on dispose.
    private byte[]? _buffered;
    private int _bufferedLength;
    private bool _rented;
    private bool _disposed;

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

    /// <summary>
    /// Reads the whole body once, to be checked before the relay. The bytes stay in a pooled buffer that this response
    /// owns until it is disposed: <see cref="Buffered"/> and <see cref="ReadAllAsync"/> then give them without another read.
    /// </summary>
    /// <remarks>Its state machine comes from a pool (docs/benchmarks.md); await it once.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlyMemory<byte>> BufferAsync(long limit, CancellationToken ct)
    {
        if (_buffered is null)
        {
            var (bytes, length, rented) = await ReadCoreAsync(limit, ct);
            (_buffered, _bufferedLength, _rented) = (bytes, length, rented);
        }

        return Buffered;
    }

    /// <summary>
    /// The body read by <see cref="BufferAsync"/> (empty before it). Valid only until this response is disposed: its
    /// array goes back to the pool then, so a caller that keeps the bytes beyond the relay copies them (the response cache
    /// keeps its own copy of what reached the client).
    /// </summary>
    public ReadOnlyMemory<byte> Buffered => _buffered is null ? ReadOnlyMemory<byte>.Empty : _buffered.AsMemory(0, _bufferedLength);

    /// <summary>Reads the whole body, bounded, for error classification and the relays that keep or translate it: an array of its own.</summary>
    /// <remarks>Its state machine comes from a pool (one call's worth of garbage less, docs/benchmarks.md); await it once.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]> ReadAllAsync(long limit, CancellationToken ct)
    {
        if (_buffered is not null)
        {
            return _buffered.AsSpan(0, _bufferedLength).ToArray();
        }

        var (bytes, length, rented) = await ReadCoreAsync(limit, ct);
        if (!rented)
        {
            return bytes.Length == length ? bytes : bytes.AsSpan(0, length).ToArray();
        }

        try
        {
            return bytes.AsSpan(0, length).ToArray();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>
    /// The whole body, bounded: in one rented array when it fits the first rental (most answers; the caller returns it),
    /// else in an array of its own.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(byte[] Bytes, int Length, bool Rented)> ReadCoreAsync(long limit, CancellationToken ct)
    {
        var rent = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        var keep = false;
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
                keep = true;
                return (rent, filled, true);
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

            return (buffer.GetBuffer(), (int)buffer.Length, false);
        }
        finally
        {
            if (!keep)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rent);
            }

            buffer?.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_rented && _buffered is { } buffered)
        {
            // Nothing may read Buffered after this: the array is another call's from now on.
            System.Buffers.ArrayPool<byte>.Shared.Return(buffered);
        }

        _buffered = null;
        _bufferedLength = 0;
        _rented = false;
        await Body.DisposeAsync();
        _message?.Dispose();
    }
}
