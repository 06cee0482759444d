using System.Globalization;

namespace Switchboard.Cli;

/// <summary>How the CLI prints numbers and times: always the invariant culture, times in UTC.</summary>
internal static class CliFormat
{
    /// <summary>Thousands grouped: <c>12,345</c>.</summary>
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>USD with at least two and at most six decimals: <c>10.00</c>, <c>0.0042</c>, <c>0.000123</c>.</summary>
    public static string Money(double usd) => usd.ToString("0.00####", CultureInfo.InvariantCulture);

    public static string Limit(long? n) => n is { } v ? Count(v) : "-";

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "-";

    public static string TimeLong(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "never";

    /// <summary>The first 12 hex digits of a key's token id: enough to tell keys apart and to name one (<c>keys info</c>).</summary>
    public static string ShortToken(string? keyHash) =>
        keyHash is null ? "-" : keyHash.Length > 12 ? keyHash[..12] : keyHash;

    public static string Models(IReadOnlyList<string> models) => models.Count == 0 ? "all" : string.Join(',', models);
}
