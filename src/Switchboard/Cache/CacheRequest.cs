using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Switchboard.Cache;

/// <summary>
/// One call as the cache sees it: its key, and the per-request controls of LiteLLM (<c>cache: {no-cache, no-store, ttl,
/// s-maxage, namespace, use-cache}</c> in the body; the <c>Cache-Control</c> header's <c>no-cache</c>, <c>no-store</c>,
/// <c>max-age</c>/<c>s-maxage</c> when the body does not say).
/// </summary>
internal sealed record CacheRequest
{
    /// <summary>Top-level fields that do not change the answer (<c>model</c> is replaced by the model group).</summary>
    private static readonly byte[][] Ignored =
        ["model"u8.ToArray(), "stream"u8.ToArray(), "stream_options"u8.ToArray(), "user"u8.ToArray(), "metadata"u8.ToArray(), "cache"u8.ToArray()];

    public required string Key { get; init; }

    /// <summary><c>no-cache</c>: do not answer from the cache (the fresh answer is still stored).</summary>
    public bool NoCache { get; init; }

    /// <summary><c>no-store</c>: do not store this answer.</summary>
    public bool NoStore { get; init; }

    /// <summary><c>ttl</c>: how long to keep this answer.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary><c>s-maxage</c>: accept a cached answer only if it is at most this old.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary><c>use-cache</c>: opt in under <c>mode: default_off</c>.</summary>
    public bool? UseCache { get; init; }

    /// <summary>
    /// Reads the controls and computes the key in one pass over the raw body: SHA-256 over the call type, the model
    /// group, whether the answer is a stream (a stream is stored as the events the client got, so it never shares an
    /// entry with a JSON answer), and every other top-level field, sorted by name, each value as its raw bytes. Never
    /// the API key. The key is <c>namespace:hex</c> with a namespace (the request's, else <c>cache_params.namespace</c>).
    /// </summary>
    /// <exception cref="JsonException">The body is not a JSON object.</exception>
    public static CacheRequest Parse(ReadOnlySpan<byte> body, CallType type, string group, bool stream, string? configNamespace, string? cacheControl)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("the request body is not a JSON object");
        }

        var fields = new List<(int NameStart, int NameLength, int ValueStart, int ValueLength)>();
        var controls = new CacheRequest { Key = "" };
        var bodyControls = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = (int)reader.TokenStartIndex + 1;
            var nameLength = reader.ValueSpan.Length;
            var isCache = reader.ValueTextEquals("cache"u8);
            var ignored = isCache || IsIgnored(body.Slice(nameStart, nameLength));
            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            if (isCache && reader.TokenType == JsonTokenType.StartObject)
            {
                controls = ReadControls(ref reader, controls);
                bodyControls = true;
            }
            else
            {
                reader.Skip();
            }

            if (!ignored)
            {
                fields.Add((nameStart, nameLength, valueStart, (int)reader.BytesConsumed - valueStart));
            }
        }

        if (!bodyControls && cacheControl is { Length: > 0 })
        {
            controls = ReadHeader(cacheControl, controls);
        }

        // Insertion sort by name: a body has a handful of top-level fields, and a span cannot go into a comparer lambda.
        for (var i = 1; i < fields.Count; i++)
        {
            var current = fields[i];
            var j = i - 1;
            while (j >= 0 && body.Slice(fields[j].NameStart, fields[j].NameLength).SequenceCompareTo(body.Slice(current.NameStart, current.NameLength)) > 0)
            {
                fields[j + 1] = fields[j];
                j--;
            }

            fields[j + 1] = current;
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[4];
        header[0] = 1;
        header[1] = (byte)type;
        header[2] = stream ? (byte)1 : (byte)0;
        header[3] = 0;
        hash.AppendData(header);
        hash.AppendData(Encoding.UTF8.GetBytes(group));
        ReadOnlySpan<byte> separator = [0];
        foreach (var (nameStart, nameLength, valueStart, valueLength) in fields)
        {
            hash.AppendData(separator);
            hash.AppendData(body.Slice(nameStart, nameLength));
            hash.AppendData(separator);
            hash.AppendData(body.Slice(valueStart, valueLength));
        }

        var hex = Convert.ToHexStringLower(hash.GetHashAndReset());
        var ns = controls.Key is { Length: > 0 } requested ? requested : configNamespace;
        return controls with { Key = ns is { Length: > 0 } ? ns + ":" + hex : hex };
    }

    private static bool IsIgnored(ReadOnlySpan<byte> name)
    {
        foreach (var ignored in Ignored)
        {
            if (name.SequenceEqual(ignored))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The <c>cache</c> object; the namespace travels in <see cref="Key"/> until the key is made.</summary>
    private static CacheRequest ReadControls(ref Utf8JsonReader reader, CacheRequest controls)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "no-cache": controls = controls with { NoCache = reader.TokenType == JsonTokenType.True }; break;
                case "no-store": controls = controls with { NoStore = reader.TokenType == JsonTokenType.True }; break;
                case "use-cache": controls = controls with { UseCache = reader.TokenType == JsonTokenType.True }; break;
                case "ttl": controls = controls with { Ttl = Seconds(ref reader) ?? controls.Ttl }; break;
                case "s-maxage": controls = controls with { MaxAge = Seconds(ref reader) ?? controls.MaxAge }; break;
                case "namespace" when reader.TokenType == JsonTokenType.String: controls = controls with { Key = reader.GetString()! }; break;
                default: reader.Skip(); break;
            }
        }

        return controls;
    }

    private static TimeSpan? Seconds(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var s) && s >= 0 && s < 1e9 ? TimeSpan.FromSeconds(s) : null;

    private static CacheRequest ReadHeader(string header, CacheRequest controls)
    {
        foreach (var part in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = (eq < 0 ? part : part[..eq]).Trim().ToLowerInvariant();
            var value = eq < 0 ? null : part[(eq + 1)..].Trim().Trim('"');
            var seconds = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 && s < 1e9
                ? TimeSpan.FromSeconds(s)
                : (TimeSpan?)null;
            controls = name switch
            {
                "no-cache" => controls with { NoCache = true },
                "no-store" => controls with { NoStore = true },
                "max-age" or "s-maxage" when seconds is not null => controls with { MaxAge = seconds },
                _ => controls,
            };
        }

        return controls;
    }
}
