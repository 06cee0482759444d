using System.Globalization;

namespace Switchboard.Upstream;

/// <summary>
/// Z.ai / GLM business codes (<c>{"error":{"code":"1302","message":…}}</c>). GLM is often configured as
/// <c>openai/</c> with Z.ai's api_base, so these codes are recognised whatever the provider prefix says.
/// </summary>
internal static class ZaiErrorCodes
{
    /// <summary>Z.ai's quotas reset at midnight China Standard Time.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    /// <summary>1308's fallback when its message names no reset time we can read.</summary>
    public static readonly TimeSpan UnknownQuotaReset = TimeSpan.FromHours(1);

    private const string ResetMarker = "reset at ";

    /// <summary>The failure class of a Z.ai code, or null when the code is not one of Z.ai's (fall back to the HTTP status).</summary>
    public static FailureKind? KindOf(string? code)
    {
        if (code is null || code.Length != 4 || !int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        return n switch
        {
            1302 => FailureKind.ConcurrencyLimited,
            1303 => FailureKind.RateLimited,
            1304 or 1308 => FailureKind.QuotaExhausted,
            1305 => FailureKind.Overloaded,
            1113 or 1309 or 1313 or (>= 1000 and <= 1004) or (>= 1110 and <= 1112) => FailureKind.KeyDisabled,
            (>= 1210 and <= 1215) or 1301 => FailureKind.ClientError,
            _ => null,
        };
    }

    /// <summary>When a quota code's cooldown ends: 1304 at the next midnight UTC+8, 1308 at the time its message names.</summary>
    public static DateTimeOffset? QuotaResetFor(string code, string message, DateTimeOffset now) => code switch
    {
        "1304" => NextChinaMidnight(now),
        "1308" => ParseResetTime(message) is { } at && at > now ? RateLimitHeaders.NoLaterThanMaxWait(at, now) : now + UnknownQuotaReset,
        _ => null,
    };

    /// <summary>The next 00:00 in UTC+8 strictly after <paramref name="now"/>.</summary>
    public static DateTimeOffset NextChinaMidnight(DateTimeOffset now)
    {
        var local = now.ToOffset(ChinaOffset);
        var midnight = new DateTimeOffset(local.Year, local.Month, local.Day, 0, 0, 0, ChinaOffset).AddDays(1);
        return midnight.ToUniversalTime();
    }

    /// <summary>Reads <c>… reset at 2026-11-26 02:59:08</c> (UTC+8) from a 1308 message.</summary>
    public static DateTimeOffset? ParseResetTime(string message)
    {
        var at = message.IndexOf(ResetMarker, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var rest = message.AsSpan(at + ResetMarker.Length);
        const int Length = 19; // yyyy-MM-dd HH:mm:ss
        if (rest.Length < Length)
        {
            return null;
        }

        // A time whose UTC falls before the first representable date (0001-01-01 00:00 in UTC+8) is no reset time.
        return DateTime.TryParseExact(rest[..Length], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
               && t >= DateTime.MinValue + ChinaOffset
            ? new DateTimeOffset(t, ChinaOffset).ToUniversalTime()
            : null;
    }
}
