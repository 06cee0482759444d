using System.Globalization;
using System.Text;
using Switchboard.Observability;

namespace Switchboard.Tests.Observability;

public sealed class RequestLogStampTests
{
    public static TheoryData<string> Formats => new()
    {
        "yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
        "yyyy-MM-dd HH:mm:ss.fff ",
        "HH:mm:ss ",
        "HH:mm:ss.FFF ",
        "HH:mm:ss.fffffff ",
        "HH:mm:ss.ff ",
        "fff HH:mm:ss.fff ",
        "yyyy-MM-dd HH:mm:ss.fff zzz ",
        "o",
        "O",
        "u",
        "[HH:mm:ss.fff] ",
    };

    private static string Expected(DateTimeOffset stamp, string format) => stamp.ToString(format, null);

    private static string Actual(DateTimeOffset stamp, string format)
    {
        var buffer = new byte[128];
        Assert.True(RequestLogStamp.TryFormat(stamp, format, buffer, out var written));
        return Encoding.UTF8.GetString(buffer, 0, written);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void TryFormat_ManyStamps_MatchesTryFormat(string format)
    {
        var random = new Random(17);
        var offsets = new[] { TimeSpan.Zero, TimeSpan.FromHours(1), TimeSpan.FromMinutes(-330) };
        var stamp = new DateTimeOffset(2026, 12, 1, 5, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 20_000; i++)
        {
            // Mostly steps within a second (the cache's case), sometimes across seconds, offsets and years.
            stamp = (i % 500) switch
            {
                0 => new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay),
                    offsets[random.Next(offsets.Length)]),
                _ => stamp.AddTicks(random.NextInt64(0, TimeSpan.TicksPerMillisecond * 50)),
            };
            Assert.Equal(Expected(stamp, format), Actual(stamp, format));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void TryFormat_EveryMillisecondOfASecond_MatchesTryFormat(string format)
    {
        var start = new DateTimeOffset(2026, 12, 1, 5, 59, 59, TimeSpan.FromHours(2));
        for (var ms = 0; ms < 1_000; ms++)
        {
            var stamp = start.AddTicks((ms * TimeSpan.TicksPerMillisecond) + (ms % 7 * 1_234));
            Assert.Equal(Expected(stamp, format), Actual(stamp, format));
        }
    }

    [Fact]
    public void TryFormat_CultureChanges_FollowsCurrentCulture()
    {
        var before = CultureInfo.CurrentCulture;
        var dots = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        dots.DateTimeFormat.TimeSeparator = ".";
        var stamp = new DateTimeOffset(2026, 12, 1, 5, 6, 7, 89, TimeSpan.Zero);
        const string Format = "yyyy-MM-dd HH:mm:ss.fff ";
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            Assert.Equal("2026-12-01 05:06:07.089 ", Actual(stamp, Format));
            CultureInfo.CurrentCulture = dots;
            Assert.Equal("2026-12-01 05.06.07.089 ", Actual(stamp, Format));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void TryFormat_DestinationTooSmall_ReturnsFalse()
    {
        var stamp = new DateTimeOffset(2026, 12, 1, 5, 6, 7, 89, TimeSpan.Zero);
        Assert.False(RequestLogStamp.TryFormat(stamp, "yyyy-MM-dd HH:mm:ss.fff ", new byte[10], out _));
        Assert.False(RequestLogStamp.TryFormat(stamp, "yyyy-MM-dd HH:mm:ss.fff ", new byte[10], out _));
    }
}
