using System.Globalization;

namespace Switchboard.Upstream;

/// <summary>An upstream said, before any 429, that its quota is used up until <paramref name="CooldownUntil"/>.</summary>
internal readonly record struct RateLimitHint(DateTimeOffset CooldownUntil, string Reason);

/// <summary>An upstream's request window as its <c>x-ratelimit-*-requests</c> headers state it.</summary>
internal readonly record struct RequestWindow(int Limit, int Remaining, DateTimeOffset Reset);

/// <summary>One header's first value by name, or null (an upstream answer's headers).</summary>
internal interface IHeaderSource
{
    string? Header(string name);
}

/// <summary>
/// Reads OpenAI-style <c>x-ratelimit-remaining-*</c>/<c>x-ratelimit-reset-*</c> and Anthropic's
/// <c>anthropic-ratelimit-*-remaining</c>/<c>-reset</c> headers, so that a deployment can cool down before it is refused.
/// </summary>
internal static class RateLimitHeaders
{
    /// <summary>
    /// The longest wait an upstream's header is believed for (a month: Z.ai's weekly quotas fit). Upstream headers are
    /// untrusted input: a larger figure is cut to this, and one that is not a wait at all (NaN, negative) is ignored, so no
    /// answer's header can overflow a time (docs/architecture.md, decision 10).
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(31);

    /// <summary>A wait given in milliseconds: null when it is not a number ≥ 0, at most <see cref="MaxWait"/>.</summary>
    public static TimeSpan? Wait(double milliseconds) =>
        double.IsNaN(milliseconds) || milliseconds < 0 ? null
        : milliseconds >= MaxWait.TotalMilliseconds ? MaxWait
        : TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>A point in time an upstream named, no later than <see cref="MaxWait"/> from now.</summary>
    public static DateTimeOffset NoLaterThanMaxWait(DateTimeOffset at, DateTimeOffset now) =>
        at - now > MaxWait ? now + MaxWait : at;

    private static readonly (string Remaining, string Reset)[] OpenAi =
    [
        ("x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"),
        ("x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"),
    ];

    private static readonly (string Remaining, string Reset)[] Anthropic =
    [
        ("anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset"),
        ("anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset"),
        ("anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset"),
        ("anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset"),
    ];

    /// <summary>The latest reset among the exhausted limits, or null when no limit is at zero (or its reset is unreadable).</summary>
    public static RateLimitHint? Read(Func<string, string?> header, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(header);
        return Read(new FuncHeaders(header), now);
    }

    /// <summary>The same from a source that is not a delegate (an <see cref="UpstreamResponse"/>: no delegate per call).</summary>
    public static RateLimitHint? Read<THeaders>(THeaders headers, DateTimeOffset now)
        where THeaders : IHeaderSource
    {
        RateLimitHint? best = null;
        foreach (var set in (ReadOnlySpan<(string, string)[]>)[OpenAi, Anthropic])
        {
            foreach (var (remainingName, resetName) in set)
            {
                var remaining = headers.Header(remainingName);
                if (remaining is null || !IsZero(remaining))
                {
                    continue;
                }

                if (ParseReset(headers.Header(resetName), now) is { } until && until > now && (best is null || until > best.Value.CooldownUntil))
                {
                    best = new RateLimitHint(until, $"{remainingName}: 0");
                }
            }
        }

        return best;
    }

    /// <summary>
    /// The request window from <c>x-ratelimit-limit-requests</c>, <c>-remaining-requests</c> and <c>-reset-requests</c>
    /// (or Anthropic's <c>anthropic-ratelimit-requests-*</c>), or null unless all three are readable.
    /// </summary>
    public static RequestWindow? ReadRequestWindow(Func<string, string?> header, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(header);
        return ReadRequestWindow(new FuncHeaders(header), now);
    }

    /// <summary>The same from a source that is not a delegate (an <see cref="UpstreamResponse"/>: no delegate per call).</summary>
    public static RequestWindow? ReadRequestWindow<THeaders>(THeaders source, DateTimeOffset now)
        where THeaders : IHeaderSource
    {
        var limit = source.Header("x-ratelimit-limit-requests");
        var (remaining, reset) = limit is null
            ? (source.Header("anthropic-ratelimit-requests-remaining"), source.Header("anthropic-ratelimit-requests-reset"))
            : (source.Header("x-ratelimit-remaining-requests"), source.Header("x-ratelimit-reset-requests"));
        limit ??= source.Header("anthropic-ratelimit-requests-limit");
        if (!int.TryParse(limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)
            || !int.TryParse(remaining, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r)
            || ParseReset(reset, now) is not { } at)
        {
            return null;
        }

        return new RequestWindow(l, Math.Clamp(r, 0, Math.Max(l, 0)), at);
    }

    /// <summary>A reset given as a Go-style duration (<c>20s</c>, <c>1m30s</c>, <c>6ms</c>), plain seconds, or an RFC 3339 time.</summary>
    public static DateTimeOffset? ParseReset(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return Wait(seconds * 1000) is { } wait ? now + wait : null;
        }

        if (ParseDuration(value) is { } duration)
        {
            return now + duration;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? NoLaterThanMaxWait(at, now)
            : null;
    }

    /// <summary>Parses <c>1h2m3.5s</c>, <c>6ms</c>, <c>250us</c>; null when anything is left over; at most <see cref="MaxWait"/>.</summary>
    public static TimeSpan? ParseDuration(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return null;
        }

        double totalMs = 0;
        while (!text.IsEmpty)
        {
            var numberEnd = 0;
            while (numberEnd < text.Length && (char.IsAsciiDigit(text[numberEnd]) || text[numberEnd] == '.'))
            {
                numberEnd++;
            }

            if (numberEnd == 0 || !double.TryParse(text[..numberEnd], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return null;
            }

            text = text[numberEnd..];
            var unitEnd = 0;
            while (unitEnd < text.Length && char.IsAsciiLetter(text[unitEnd]))
            {
                unitEnd++;
            }

            double? factor = text[..unitEnd] switch
            {
                "h" => 3_600_000,
                "m" => 60_000,
                "s" => 1_000,
                "ms" => 1,
                "us" => 0.001,
                "ns" => 0.000_001,
                _ => null,
            };
            if (factor is null)
            {
                return null;
            }

            totalMs += n * factor.Value;
            text = text[unitEnd..];
        }

        return Wait(totalMs);
    }

    /// <summary>A delegate as a header source (the tests' and older callers' form).</summary>
    private readonly struct FuncHeaders(Func<string, string?> header) : IHeaderSource
    {
        public string? Header(string name) => header(name);
    }

    private static bool IsZero(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n <= 0;
}
