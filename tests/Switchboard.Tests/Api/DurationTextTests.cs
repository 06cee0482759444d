using System.Globalization;
using Switchboard.Api;

namespace Switchboard.Tests.Api;

public sealed class DurationTextTests
{
    private static string Expected(TimeSpan span) =>
        Math.Max(0, span.TotalMilliseconds).ToString("0.###", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(4L)]
    [InlineData(5L)]
    [InlineData(9L)]
    [InlineData(10L)]
    [InlineData(15L)]
    [InlineData(9_995L)]
    [InlineData(9_999L)]
    [InlineData(10_000L)]
    [InlineData(12_345L)]
    [InlineData(12_300L)]
    [InlineData(120_000L)]
    [InlineData(1_000_005L)]
    [InlineData(36_000_000_000L)]
    public void Milliseconds_Ticks_MatchesCustomFormat(long ticks) =>
        Assert.Equal(Expected(TimeSpan.FromTicks(ticks)), DurationText.Milliseconds(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Milliseconds_ManyTicks_MatchesCustomFormat()
    {
        var random = new Random(13);
        for (var i = 0; i < 100_000; i++)
        {
            var ticks = i < 50_000 ? i : random.NextInt64(0, 100_000_000_000);
            var span = TimeSpan.FromTicks(ticks);
            Assert.Equal(Expected(span), DurationText.Milliseconds(span));
        }
    }

    [Fact]
    public void Milliseconds_Negative_IsZero() => Assert.Equal("0", DurationText.Milliseconds(TimeSpan.FromTicks(-12_345)));
}
