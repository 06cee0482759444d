using System.Text.Unicode;

namespace Switchboard.Protocols;

/// <summary>
/// Whether JSON text decodes to valid Unicode: <see cref="System.Text.Json.Utf8JsonReader"/> accepts invalid UTF-8 inside
/// strings and lone surrogate escapes, and only <c>GetString</c> (or <see cref="System.Text.Json.Utf8JsonWriter"/>) throws,
/// as InvalidOperationException, wherever the text is first decoded (docs/hostile-input.md).
/// </summary>
internal static class JsonUnicode
{
    /// <summary>Valid UTF-8 and no lone surrogate escape: every string in the text can be decoded and written again.</summary>
    public static bool IsValid(ReadOnlySpan<byte> json) => Utf8.IsValid(json) && FindLoneSurrogateEscape(json) < 0;

    /// <summary>
    /// The offset of the first <c>\uD800</c>–<c>\uDFFF</c> escape not paired high-then-low, or -1. Strings holding one
    /// parse as JSON but cannot become .NET strings or UTF-8 again (GetString and Utf8JsonWriter throw).
    /// </summary>
    public static int FindLoneSurrogateEscape(ReadOnlySpan<byte> body)
    {
        var i = body.IndexOf((byte)'\\');
        while (i >= 0 && i + 1 < body.Length)
        {
            // Outside strings a backslash is a syntax error the reader reports; inside, it starts an escape of 2 or 6 bytes.
            if (body[i + 1] != (byte)'u' || !TryHex4(body, i + 2, out var unit))
            {
                i = Next(body, i + 2);
                continue;
            }

            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return i;
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (i + 11 < body.Length && body[i + 6] == (byte)'\\' && body[i + 7] == (byte)'u' && TryHex4(body, i + 8, out var low) && low is >= 0xDC00 and <= 0xDFFF)
                {
                    i = Next(body, i + 12);
                    continue;
                }

                return i;
            }

            i = Next(body, i + 6);
        }

        return -1;

        static int Next(ReadOnlySpan<byte> body, int from) =>
            from >= body.Length ? -1 : body[from..].IndexOf((byte)'\\') is var j and >= 0 ? from + j : -1;
    }

    private static bool TryHex4(ReadOnlySpan<byte> body, int at, out int value)
    {
        value = 0;
        if (at + 4 > body.Length)
        {
            return false;
        }

        for (var k = 0; k < 4; k++)
        {
            var b = body[at + k];
            var digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }
}
