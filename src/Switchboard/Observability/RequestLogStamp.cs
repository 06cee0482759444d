using System.Globalization;

namespace Switchboard.Observability;

/// <summary>
/// The request log line's timestamp as <c>stamp.TryFormat(destination, out written, format, null)</c> writes it, from a
/// per-thread copy of the current second's text with the milliseconds written in (the custom date format was parsed and
/// interpreted on every line: ~0.4 µs per call under Native AOT; docs/benchmarks.md, "The non-stream path under Native
/// AOT, profiled with every feature on").
/// </summary>
/// <remarks>
/// Whether a format allows this is found by formatting the second's start, its 999th millisecond and its last tick: the
/// text is reused when the three differ only in three adjacent digits, 000 against 999 (the <c>fff</c> of both console
/// formats), or not at all (no fraction of a second in the format). Any other format (<c>FFF</c>, <c>fffffff</c>, ...)
/// is formatted in full every time. The copy is keyed by the format, the culture (the formatter's is the current one),
/// the offset and the second.
/// </remarks>
internal sealed class RequestLogStamp
{
    private const int NoMillis = -1;
    private const int NotReusable = -2;
    private const int MaxText = 128;

    [ThreadStatic]
    private static RequestLogStamp? t_stamp;

    private readonly byte[] _text = new byte[MaxText];
    private string? _format;
    private CultureInfo? _culture;
    private long _second = long.MinValue;
    private TimeSpan _offset;
    private int _length;
    private int _millisAt = NotReusable;

    public static bool TryFormat(DateTimeOffset stamp, string format, Span<byte> destination, out int written)
    {
        var cache = t_stamp ??= new RequestLogStamp();
        var culture = CultureInfo.CurrentCulture;
        var ticks = stamp.Ticks;
        var second = ticks / TimeSpan.TicksPerSecond;
        if (!ReferenceEquals(cache._format, format) || !ReferenceEquals(cache._culture, culture) || cache._second != second || cache._offset != stamp.Offset)
        {
            cache.Prepare(format, culture, second, stamp.Offset);
        }

        if (cache._millisAt == NotReusable)
        {
            return stamp.TryFormat(destination, out written, format, null);
        }

        written = 0;
        if (!cache._text.AsSpan(0, cache._length).TryCopyTo(destination))
        {
            return false;
        }

        if (cache._millisAt >= 0)
        {
            var millis = (int)(ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMillisecond);
            destination[cache._millisAt] = (byte)('0' + (millis / 100));
            destination[cache._millisAt + 1] = (byte)('0' + (millis / 10 % 10));
            destination[cache._millisAt + 2] = (byte)('0' + (millis % 10));
        }

        written = cache._length;
        return true;
    }

    private void Prepare(string format, CultureInfo culture, long second, TimeSpan offset)
    {
        _format = format;
        _culture = culture;
        _second = second;
        _offset = offset;
        _millisAt = NotReusable;
        var start = second * TimeSpan.TicksPerSecond;
        if (start < DateTimeOffset.MinValue.Ticks || start + TimeSpan.TicksPerSecond > DateTimeOffset.MaxValue.Ticks)
        {
            return;
        }

        Span<byte> first = _text;
        Span<byte> late = stackalloc byte[MaxText];
        Span<byte> last = stackalloc byte[MaxText];
        Span<byte> probe = stackalloc byte[MaxText];
        try
        {
            if (!Format(start, offset, format, first, out var length)
                || !Format(start + (999 * TimeSpan.TicksPerMillisecond), offset, format, late, out var lateLength) || lateLength != length
                || !Format(start + TimeSpan.TicksPerSecond - 1, offset, format, last, out var lastLength)
                || !late[..length].SequenceEqual(last[..lastLength]))
            {
                return;
            }

            var at = first[..length].CommonPrefixLength(late[..length]);
            if (at == length)
            {
                _length = length;
                _millisAt = NoMillis;
                return;
            }

            if (at + 3 > length || !first.Slice(at, 3).SequenceEqual("000"u8) || !late.Slice(at, 3).SequenceEqual("999"u8)
                || !first[(at + 3)..length].SequenceEqual(late[(at + 3)..length]))
            {
                return;
            }

            // One more millisecond as a check: its text is the first one's with its digits in the same place.
            if (!Format(start + (123 * TimeSpan.TicksPerMillisecond), offset, format, probe, out var probeLength) || probeLength != length
                || !probe[..at].SequenceEqual(first[..at]) || !probe.Slice(at, 3).SequenceEqual("123"u8)
                || !probe[(at + 3)..length].SequenceEqual(first[(at + 3)..length]))
            {
                return;
            }

            _length = length;
            _millisAt = at;
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
        {
            // A format the formatter refuses, or a second at the calendar's ends: every line formats in full, as before.
        }
    }

    private static bool Format(long ticks, TimeSpan offset, string format, Span<byte> destination, out int written) =>
        new DateTimeOffset(ticks, offset).TryFormat(destination, out written, format, null);
}
