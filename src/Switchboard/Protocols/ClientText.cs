using System.Globalization;
using System.Text;

namespace Switchboard.Protocols;

/// <summary>
/// Client input quoted back in an error message (a model name, a field value, a path): at most
/// <see cref="MaxQuoted"/> characters, so a 5 MB model name is not echoed whole, and never a lone surrogate, which
/// <see cref="System.Text.Json.Utf8JsonWriter"/> would refuse to write (docs/hostile-input.md).
/// </summary>
internal static class ClientText
{
    public const int MaxQuoted = 200;

    /// <summary>Any error message as a whole: a backstop for messages that embed client input without <see cref="Quote"/>.</summary>
    public const int MaxMessage = 1000;

    public static string Quote(string? text, int max = MaxQuoted) => Cut(text ?? string.Empty, max);

    /// <summary>The message cut to <see cref="MaxMessage"/> characters and made writable as JSON.</summary>
    public static string Message(string message) => Cut(message, MaxMessage);

    private static string Cut(string text, int max)
    {
        var cut = text.Length > max;
        var span = text.AsSpan(0, cut ? max : text.Length);
        if (cut && char.IsHighSurrogate(span[^1]))
        {
            span = span[..^1];
        }

        if (!cut && !HasLoneSurrogate(span))
        {
            return text;
        }

        var result = new StringBuilder(span.Length + 32);
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                result.Append(c).Append(span[++i]);
            }
            else
            {
                result.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        if (cut)
        {
            result.Append(CultureInfo.InvariantCulture, $"… ({text.Length} characters)");
        }

        return result.ToString();
    }

    private static bool HasLoneSurrogate(ReadOnlySpan<char> text)
    {
        // Fast path: no surrogate at all (the usual case) is one vectorized search.
        var i = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
        {
            return false;
        }

        for (; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
