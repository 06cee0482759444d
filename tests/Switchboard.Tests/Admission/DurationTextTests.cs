using Switchboard.Admission;

namespace Switchboard.Tests.Admission;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("1h", 3600)]
    [InlineData("30d", 30 * 86400)]
    [InlineData("2w", 14 * 86400)]
    [InlineData("1mo", 30 * 86400)]
    [InlineData(" 7D ", 7 * 86400)]
    public void TryParse_Valid_ReturnsDuration(string text, long seconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("d")]
    [InlineData("0d")]
    [InlineData("-1d")]
    [InlineData("5y")]
    [InlineData("1.5h")]
    public void TryParse_Invalid_ReturnsFalse(string? text) => Assert.False(DurationText.TryParse(text, out _));
}
