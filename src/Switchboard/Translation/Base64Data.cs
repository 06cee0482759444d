using System.Buffers.Text;

namespace Switchboard.Translation;

/// <summary>
/// Inline media data (images, files) checked without decoding it. Accepted: standard base64, or the URL-safe alphabet
/// with or without padding, which Google's JSON takes for bytes and the google-genai Python SDK sends. Sent: standard
/// padded base64, the form data URLs and Anthropic's base64 sources take (docs/compatibility.md). Data that is neither,
/// or holds no bytes at all, is refused before any upstream call.
/// </summary>
internal static class Base64Data
{
    public enum Kind
    {
        /// <summary>Not base64, or no bytes at all.</summary>
        Invalid,

        /// <summary>Standard base64: sent as it is.</summary>
        Standard,

        /// <summary>URL-safe base64 (<c>-</c>, <c>_</c>, padding optional): sent through <see cref="ToStandard"/>.</summary>
        UrlSafe,
    }

    public static Kind Classify(ReadOnlySpan<char> data) =>
        Base64.IsValid(data, out var bytes) ? (bytes > 0 ? Kind.Standard : Kind.Invalid)
        : Base64Url.IsValid(data, out bytes) && bytes > 0 ? Kind.UrlSafe
        : Kind.Invalid;

    /// <summary>The bytes of base64 of either alphabet (none for empty data); null when <paramref name="data"/> is not base64.</summary>
    public static byte[]? Decode(string data) =>
        Base64.IsValid(data) ? Convert.FromBase64String(data)
        : Base64Url.IsValid(data) ? Base64Url.DecodeFromChars(data)
        : null;

    /// <summary>
    /// <paramref name="prefix"/> then <paramref name="source"/> from <paramref name="start"/> (URL-safe base64, as
    /// <see cref="Classify"/> found it) in the standard alphabet, whitespace dropped and padded: one string, no copy between.
    /// </summary>
    public static string ToStandard(string prefix, string source, int start)
    {
        var data = source.AsSpan(start);
        var symbols = 0;
        foreach (var c in data)
        {
            if (c is not ('=' or ' ' or '\t' or '\r' or '\n'))
            {
                symbols++;
            }
        }

        var padded = (symbols + 3) / 4 * 4;
        return string.Create(prefix.Length + padded, (prefix, source, start), static (output, state) =>
        {
            state.prefix.CopyTo(output);
            var i = state.prefix.Length;
            foreach (var c in state.source.AsSpan(state.start))
            {
                switch (c)
                {
                    case '=' or ' ' or '\t' or '\r' or '\n':
                        continue;
                    case '-':
                        output[i++] = '+';
                        break;
                    case '_':
                        output[i++] = '/';
                        break;
                    default:
                        output[i++] = c;
                        break;
                }
            }

            output[i..].Fill('=');
        });
    }
}
