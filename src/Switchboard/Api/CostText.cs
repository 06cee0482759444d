using System.Globalization;

namespace Switchboard.Api;

/// <summary>
/// A cost (USD) as the cost headers write it: the same text as <c>cost.ToString("0.##########", CultureInfo.InvariantCulture)</c>
/// without parsing the custom format string on every call (<c>Number.NumberToStringFormat</c> was ~0.4 µs per call under
/// Native AOT with a virtual key's two cost headers; docs/benchmarks.md, "The non-stream path under Native AOT, profiled
/// with every feature on").
/// </summary>
/// <remarks>
/// A custom format turns a double into 15 significant digits (.NET's precision for custom formats), then rounds those
/// digits half up at the tenth decimal and drops trailing zeros. The standard format <c>E14</c> gives the same 15 digits
/// (the same digit generator at the same precision) with the exponent; the rounding and the layout are done here. Values
/// outside (0, 10^15) (zero, negative, not a number, huge) take the custom format itself.
/// </remarks>
internal static class CostText
{
    private const string Format = "0.##########";
    private const int Decimals = 10;
    private const int Digits = 15;

    public static string Usd(double cost)
    {
        if (!(cost > 0 && cost < 1e15))
        {
            return cost.ToString(Format, CultureInfo.InvariantCulture);
        }

        // "d.ddddddddddddddE+ddd": 15 digits, then the exponent of the first one.
        Span<char> e = stackalloc char[32];
        if (!cost.TryFormat(e, out var length, "E14", CultureInfo.InvariantCulture) || length < Digits + 3 || e[1] != '.' || e[Digits + 1] != 'E')
        {
            return cost.ToString(Format, CultureInfo.InvariantCulture);
        }

        Span<char> digits = stackalloc char[Digits];
        digits[0] = e[0];
        e.Slice(2, Digits - 1).CopyTo(digits[1..]);
        var exponent = int.Parse(e[(Digits + 2)..length], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        // The number is 0.d1d2...d15 x 10^scale.
        var scale = exponent + 1;

        // Keep the digits up to the tenth decimal; the next one rounds them half up.
        var keep = scale + Decimals;
        if (keep < 0)
        {
            return "0";
        }

        var count = Math.Min(keep, Digits);
        if (keep < Digits && digits[keep] >= '5')
        {
            var i = keep;
            while (i > 0 && digits[i - 1] == '9')
            {
                i--;
            }

            if (i > 0)
            {
                digits[i - 1]++;
                count = i;
            }
            else
            {
                // All nines (or nothing kept): a carry into a new first digit.
                scale++;
                digits[0] = '1';
                count = 1;
            }
        }

        while (count > 0 && digits[count - 1] == '0')
        {
            count--;
        }

        if (count == 0)
        {
            return "0";
        }

        // The integer part (at least "0"), then the fraction, if any digits lie past the point.
        Span<char> text = stackalloc char[48];
        var at = 0;
        if (scale <= 0)
        {
            text[at++] = '0';
        }
        else
        {
            for (var i = 0; i < scale; i++)
            {
                text[at++] = i < count ? digits[i] : '0';
            }
        }

        if (count > scale)
        {
            text[at++] = '.';
            for (var i = scale; i < 0; i++)
            {
                text[at++] = '0';
            }

            for (var i = Math.Max(scale, 0); i < count; i++)
            {
                text[at++] = digits[i];
            }
        }

        return new string(text[..at]);
    }
}
