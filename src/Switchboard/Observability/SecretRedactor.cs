using System.Buffers;
using System.Text;

namespace Switchboard.Observability;

/// <summary>
/// Masks every configured secret (all deployments' <c>api_key</c>s, the master key, passwords in URLs) wherever it
/// appears in a text, whatever its position, so that an upstream error echoing the key it was sent never reaches a
/// client, a log line, a usage row or an admin answer (architecture decision 8). One multi-pattern search
/// (<see cref="SearchValues{T}"/> of strings: vectorised, linear in the text) whatever the number of keys.
/// Redact first, then cut: a cut made before could split a key and let its first part through.
/// </summary>
internal sealed class SecretRedactor
{
    /// <summary>
    /// Shorter values are placeholders and test keys ("none", "sk-test", "flaky-s3"), not secrets: masking them would
    /// garble messages and ids that happen to contain them. Real provider keys are 32 characters and more.
    /// </summary>
    public const int MinSecretLength = 12;

    private readonly SearchValues<string>? _search;
    private readonly string[] _longestFirst;

    public SecretRedactor(IEnumerable<string?> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _longestFirst = [.. secrets.Where(s => s is { Length: >= MinSecretLength }).Select(s => s!).Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length)];
        _search = _longestFirst.Length == 0 ? null : SearchValues.Create(_longestFirst, StringComparison.Ordinal);
    }

    /// <summary>A redactor with nothing to hide.</summary>
    public static SecretRedactor Empty { get; } = new([]);

    /// <summary>How many distinct secrets are searched for.</summary>
    public int Count => _longestFirst.Length;

    /// <summary>The password of <c>scheme://user:password@host/…</c>, as written and unescaped; null when there is none.</summary>
    public static string? UrlPassword(string? url)
    {
        var scheme = url?.IndexOf("://", StringComparison.Ordinal) ?? -1;
        if (scheme < 0)
        {
            return null;
        }

        var rest = url!.AsSpan(scheme + 3);
        var at = rest.LastIndexOf('@');
        if (at < 0)
        {
            return null;
        }

        var colon = rest[..at].IndexOf(':');
        return colon < 0 ? null : rest[(colon + 1)..at].ToString();
    }

    /// <summary>The URL with its password (if any) replaced by <c>****</c>, for printing settings.</summary>
    public static string? MaskUrlPassword(string? url) =>
        UrlPassword(url) is { Length: > 0 } password ? url!.Replace(":" + password + "@", ":****@", StringComparison.Ordinal) : url;

    /// <summary>True when <paramref name="text"/> holds any secret.</summary>
    public bool ContainsAny(ReadOnlySpan<char> text) => _search is not null && text.IndexOfAny(_search) >= 0;

    /// <summary>The text with every secret replaced by its <see cref="KeyMask"/> form; the same instance when it holds none.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = _search is null ? -1 : text.AsSpan().IndexOfAny(_search);
        return first < 0 ? text : Replace(text, first);
    }

    /// <summary>Redacts, then cuts to at most <paramref name="maxChars"/> characters (plus an ellipsis).</summary>
    public string RedactAndTruncate(string text, int maxChars)
    {
        var redacted = Redact(text);
        return redacted.Length <= maxChars ? redacted : string.Concat(redacted.AsSpan(0, maxChars), "…");
    }

    /// <summary>
    /// Redacts UTF-8 bytes (an SSE event, an error body). Returns the input itself when it holds no secret, which is the
    /// common case and costs one transcoding into a pooled buffer and one search.
    /// </summary>
    public ReadOnlyMemory<byte> RedactUtf8(ReadOnlyMemory<byte> utf8)
    {
        if (_search is null || utf8.IsEmpty)
        {
            return utf8;
        }

        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        try
        {
            var count = Encoding.UTF8.GetChars(utf8.Span, chars);
            var text = chars.AsSpan(0, count);
            var first = text.IndexOfAny(_search);
            return first < 0 ? utf8 : Encoding.UTF8.GetBytes(Replace(text.ToString(), first));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>
    /// Masks every match from <paramref name="first"/> on. Matches are looked for at every position (not only after the
    /// previous one), and overlapping matches are merged into one masked run, so that two keys sharing characters leave
    /// no fragment of either.
    /// </summary>
    private string Replace(string text, int first)
    {
        var search = _search!;
        var builder = new StringBuilder(text.Length);
        var copied = 0;
        var at = first;
        while (at >= 0)
        {
            var runStart = at;
            var runEnd = at + MatchLengthAt(text, at);
            var mask = KeyMask.Mask(text[at..runEnd]);
            var probe = at + 1;
            at = -1;
            while (probe < text.Length && text.AsSpan(probe).IndexOfAny(search) is var found and >= 0)
            {
                var next = probe + found;
                if (next >= runEnd)
                {
                    at = next;
                    break;
                }

                runEnd = Math.Max(runEnd, next + MatchLengthAt(text, next));
                probe = next + 1;
            }

            builder.Append(text, copied, runStart - copied).Append(mask);
            copied = runEnd;
        }

        builder.Append(text, copied, text.Length - copied);
        return builder.ToString();
    }

    /// <summary>The length of the longest secret that starts at <paramref name="at"/> (one does: the search found it there).</summary>
    private int MatchLengthAt(string text, int at)
    {
        var rest = text.AsSpan(at);
        foreach (var secret in _longestFirst)
        {
            if (rest.StartsWith(secret, StringComparison.Ordinal))
            {
                return secret.Length;
            }
        }

        return 0;
    }
}
