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
    public Stream Body { get; }
    private IReadOnlyDictionary<string, string>? LocalHeaders { get; }

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>One header's first value from the response or its content headers, or null.</summary>
    public string? Header(string name)
    {
        if (_message is null)
        {
            return LocalHeaders is not null && LocalHeaders.TryGetValue(name, out var v) ? v : null;
        }

        if (_message.Headers.TryGetValues(name, out var values) || _message.Content.Headers.TryGetValues(name, out values))
        {
            foreach (var value in values)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Reads the whole body, bounded, for error classification and non-stream relays.</summary>
    public async Task<byte[]> ReadAllAsync(long limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var rent = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await Body.ReadAsync(rent, ct)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new InvalidDataException($"upstream body larger than {limit} bytes");
                }

                buffer.Write(rent, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rent);
        }

        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await Body.DisposeAsync();
        _message?.Dispose();
    }
}
