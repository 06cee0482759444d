using System.Globalization;

namespace Switchboard.Api;

/// <summary>
/// A duration as the milliseconds header values write it: the same text as
/// <c>TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)</c> (up to three decimals, trailing zeros
/// dropped, the fourth decimal rounded half up), from the whole ticks. The custom format string was parsed and the
/// double turned into digits twice per call, ~0.2 µs under ReadyToRun and ~0.4 µs under Native AOT
/// (docs/benchmarks.md, "Native AOT against ReadyToRun, profiled").
/// </summary>
internal static class DurationText
{
    /// <summary>The duration in milliseconds, negative durations as 0.</summary>
    public static string Milliseconds(TimeSpan span)
    {
        // TotalMilliseconds is ticks / 10,000 (a tick is 100 ns), which "0.###" rounds at the fourth decimal, half up:
        // in whole microseconds, (ticks + 5) / 10.
        var micros = (Math.Max(span.Ticks, 0) + 5) / 10;
        var whole = micros / 1000;
        var fraction = (int)(micros % 1000);
        if (fraction == 0)
        {
            return whole.ToString(CultureInfo.InvariantCulture);
        }

        var digits = 3;
        while (fraction % 10 == 0)
        {
            fraction /= 10;
            digits--;
        }

        Span<char> text = stackalloc char[24];
        whole.TryFormat(text, out var length, default, CultureInfo.InvariantCulture);
        text[length++] = '.';
        for (var i = digits - 1; i >= 0; i--)
        {
            text[length + i] = (char)('0' + (fraction % 10));
            fraction /= 10;
        }

        return new string(text[..(length + digits)]);
    }
}
