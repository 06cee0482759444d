using System.Globalization;
using Switchboard.Api;

namespace Switchboard.Tests.Api;

public sealed class CostTextTests
{
    private static string Expected(double cost) => cost.ToString("0.##########", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e15)]
    [InlineData(1e-11)]
    [InlineData(4e-11)]
    [InlineData(5e-11)]
    [InlineData(4.9999999999e-11)]
    [InlineData(5e-10)]
    [InlineData(1e-10)]
    [InlineData(0.00000000015)]
    [InlineData(0.00000000025)]
    [InlineData(0.00000000095)]
    [InlineData(0.99999999995)]
    [InlineData(0.99999999994)]
    [InlineData(9.99999999995)]
    [InlineData(99999.99999999995)]
    [InlineData(0.1 + 0.2)]
    [InlineData(0.00015)]
    [InlineData(0.000123456789012345)]
    [InlineData(1.0)]
    [InlineData(10.0)]
    [InlineData(123456789012345.0)]
    [InlineData(999999999999999.0)]
    [InlineData(12.5)]
    [InlineData(3.000000000049)]
    public void Usd_Value_MatchesCustomFormat(double cost) => Assert.Equal(Expected(cost), CostText.Usd(cost));

    [Fact]
    public void Usd_ManyValues_MatchesCustomFormat()
    {
        var random = new Random(13);
        for (var i = 0; i < 200_000; i++)
        {
            // Every magnitude from 1e-13 to 1e16, and prices as they are built: tokens times a per-token price.
            var cost = (i % 3) switch
            {
                0 => Math.Pow(10, random.NextDouble() * 29 - 13),
                1 => random.Next(1, 200_000) * (random.Next(1, 1_000_000) / 1e12) + random.Next(0, 50_000) * 0.0000006,
                _ => Math.Round(random.NextDouble() * Math.Pow(10, random.Next(-3, 6)), random.Next(0, 15)) + random.Next(0, 2) * 5e-11,
            };
            Assert.Equal(Expected(cost), CostText.Usd(cost));
        }
    }

    [Fact]
    public void Usd_Midpoints_MatchesCustomFormat()
    {
        // Values whose eleventh decimal is a 5 (or a 4 or 9 run), where the rounding of the 15 digits decides.
        for (var whole = 0; whole < 200; whole++)
        {
            for (var tail = 0; tail < 1_000; tail++)
            {
                var cost = whole + tail * 1e-7 + 5e-11;
                Assert.Equal(Expected(cost), CostText.Usd(cost));
                cost = whole + 0.9999999999 + tail * 1e-14;
                Assert.Equal(Expected(cost), CostText.Usd(cost));
            }
        }
    }
}
