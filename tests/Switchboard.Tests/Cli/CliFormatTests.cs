using System.Globalization;
using Switchboard.Cli;

namespace Switchboard.Tests.Cli;

public sealed class CliFormatTests
{
    [Fact]
    public void Money_AnyCulture_InvariantTwoToSixDecimals()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CommaDecimalCulture();
            Assert.Equal("10.00", CliFormat.Money(10));
            Assert.Equal("0.0042", CliFormat.Money(0.0042));
            Assert.Equal("0.000123", CliFormat.Money(0.0001234));
            Assert.Equal("12,345", CliFormat.Count(12345));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Time_OffsetTime_PrintedInUtc()
    {
        var time = new DateTimeOffset(2025, 3, 1, 10, 30, 0, TimeSpan.FromHours(2));

        Assert.Equal("2025-03-01 08:30", CliFormat.Time(time));
        Assert.Equal("2025-03-01 08:30:00 UTC", CliFormat.TimeLong(time));
        Assert.Equal("never", CliFormat.TimeLong(null));
    }

    [Fact]
    public void ShortToken_Hash_First12Digits()
    {
        Assert.Equal("0123456789ab", CliFormat.ShortToken(new string('0', 0) + "0123456789abcdef" + new string('f', 48)));
        Assert.Equal("-", CliFormat.ShortToken(null));
    }

    /// <summary>German-style numbers, built by hand: the test host may run in globalization-invariant mode.</summary>
    internal static CultureInfo CommaDecimalCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = ".";
        return culture;
    }
}
