using System.Collections.Concurrent;

namespace Switchboard.MockProvider;

/// <summary>A key's behaviour, decided by its prefix (<c>ok-</c>, <c>rl-</c>, <c>zai1302-</c>, <c>conc2-</c>, <c>html-</c>, <c>cut-</c>…; every one in <see cref="MockKeyKind"/>).</summary>
/// <param name="Kind">What the mock does for this key.</param>
/// <param name="Number">The Z.ai business code, the concurrency cap or the calls allowed per window; 0 otherwise.</param>
/// <param name="WindowSeconds">For <c>lim&lt;N&gt;w&lt;S&gt;-</c> keys: the window's length in seconds; 0 otherwise.</param>
internal readonly record struct MockKey(MockKeyKind Kind, int Number, int WindowSeconds = 0)
{
    // Keys repeat on every call; parsing once per distinct key keeps the hot path to one dictionary hit.
    private static readonly ConcurrentDictionary<string, MockKey> Cache = new(StringComparer.Ordinal);

    public static MockKey Of(string key) => key.Length == 0 ? new(MockKeyKind.Unauthorized, 0) : Cache.GetOrAdd(key, Parse);

    internal static MockKey Parse(string key)
    {
        if (key.StartsWith("ok-", StringComparison.Ordinal)) return new(MockKeyKind.Ok, 0);
        if (key.StartsWith("rl-", StringComparison.Ordinal)) return new(MockKeyKind.RateLimited, 0);
        if (key.StartsWith("err-", StringComparison.Ordinal)) return new(MockKeyKind.ServerError, 0);
        if (key.StartsWith("slow-", StringComparison.Ordinal)) return new(MockKeyKind.Slow, 0);
        if (key.StartsWith("flaky-", StringComparison.Ordinal)) return new(MockKeyKind.Flaky, 0);
        if (key.StartsWith("auth-", StringComparison.Ordinal)) return new(MockKeyKind.Unauthorized, 0);
        if (key.StartsWith("hdr-", StringComparison.Ordinal)) return new(MockKeyKind.BudgetHeaders, 0);
        if (TryWindowAfter(key, "limh", out var n, out var s)) return new(MockKeyKind.WindowLimitHeaders, n, s);
        if (TryWindowAfter(key, "lim", out n, out s)) return new(MockKeyKind.WindowLimit, n, s);
        if (key.StartsWith("html-", StringComparison.Ordinal)) return new(MockKeyKind.HtmlPage, 0);
        if (key.StartsWith("trunc-", StringComparison.Ordinal)) return new(MockKeyKind.TruncatedJson, 0);
        if (key.StartsWith("ctype-", StringComparison.Ordinal)) return new(MockKeyKind.WrongContentType, 0);
        if (key.StartsWith("cut-", StringComparison.Ordinal)) return new(MockKeyKind.CutStream, 0);
        if (key.StartsWith("stall-", StringComparison.Ordinal)) return new(MockKeyKind.StallStream, 0);
        if (key.StartsWith("stallbody-", StringComparison.Ordinal)) return new(MockKeyKind.StallBody, 0);
        if (key.StartsWith("echomid-", StringComparison.Ordinal)) return new(MockKeyKind.EchoKeyMidStream, 0);
        if (key.StartsWith("endless-", StringComparison.Ordinal)) return new(MockKeyKind.EndlessEvent, 0);
        if (key.StartsWith("errdone-", StringComparison.Ordinal)) return new(MockKeyKind.ErrorThenEnd, 0);
        if (key.StartsWith("pyjson-", StringComparison.Ordinal)) return new(MockKeyKind.PythonStyleStream, 0);
        if (TryNumberAfter(key, "echo", out var status)) return new(MockKeyKind.EchoKey, status);
        if (TryNumberAfter(key, "zaiok", out var okCode)) return new(MockKeyKind.ZaiErrorIn200, okCode);
        if (TryNumberAfter(key, "zai", out var code)) return new(MockKeyKind.ZaiError, code);
        if (TryNumberAfter(key, "conc", out var cap) && cap > 0) return new(MockKeyKind.Concurrency, cap);
        return new(MockKeyKind.Ok, 0);
    }

    /// <summary>Matches <c>{prefix}{N}w{S}-…</c> with N and S above zero.</summary>
    private static bool TryWindowAfter(string key, string prefix, out int limit, out int seconds)
    {
        limit = seconds = 0;
        if (!key.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var rest = key.AsSpan(prefix.Length);
        var w = rest.IndexOf('w');
        var dash = rest.IndexOf('-');
        if (w <= 0 || dash <= w + 1) return false;
        var style = System.Globalization.NumberStyles.None;
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return int.TryParse(rest[..w], style, culture, out limit) && int.TryParse(rest[(w + 1)..dash], style, culture, out seconds)
            && limit > 0 && seconds > 0;
    }

    /// <summary>Matches <c>{prefix}{digits}-…</c>.</summary>
    private static bool TryNumberAfter(string key, string prefix, out int number)
    {
        number = 0;
        if (!key.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var rest = key.AsSpan(prefix.Length);
        var dash = rest.IndexOf('-');
        if (dash <= 0) return false;
        return int.TryParse(rest[..dash], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number);
    }
}
