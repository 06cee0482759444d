using System.Collections.Concurrent;

namespace Switchboard.MockProvider;

/// <summary>A key's behaviour, decided by its prefix (<c>ok-</c>, <c>rl-</c>, <c>zai1302-</c>, <c>conc2-</c>, <c>html-</c>, <c>cut-</c>…; every one in <see cref="MockKeyKind"/>).</summary>
/// <param name="Kind">What the mock does for this key.</param>
/// <param name="Number">The Z.ai business code or the concurrency cap; 0 otherwise.</param>
internal readonly record struct MockKey(MockKeyKind Kind, int Number)
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
        if (key.StartsWith("html-", StringComparison.Ordinal)) return new(MockKeyKind.HtmlPage, 0);
        if (key.StartsWith("trunc-", StringComparison.Ordinal)) return new(MockKeyKind.TruncatedJson, 0);
        if (key.StartsWith("ctype-", StringComparison.Ordinal)) return new(MockKeyKind.WrongContentType, 0);
        if (key.StartsWith("cut-", StringComparison.Ordinal)) return new(MockKeyKind.CutStream, 0);
        if (key.StartsWith("stall-", StringComparison.Ordinal)) return new(MockKeyKind.StallStream, 0);
        if (key.StartsWith("echomid-", StringComparison.Ordinal)) return new(MockKeyKind.EchoKeyMidStream, 0);
        if (key.StartsWith("endless-", StringComparison.Ordinal)) return new(MockKeyKind.EndlessEvent, 0);
        if (TryNumberAfter(key, "echo", out var status)) return new(MockKeyKind.EchoKey, status);
        if (TryNumberAfter(key, "zai", out var code)) return new(MockKeyKind.ZaiError, code);
        if (TryNumberAfter(key, "conc", out var cap) && cap > 0) return new(MockKeyKind.Concurrency, cap);
        return new(MockKeyKind.Ok, 0);
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
