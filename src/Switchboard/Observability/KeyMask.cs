namespace Switchboard.Observability;

// Stand-in until the config branch lands its KeyMask (#2).
internal static class KeyMask
{
    public static string Mask(string? key) =>
        string.IsNullOrEmpty(key) ? "(none)" : key.Length <= 8 ? "****" : key[..3] + "…" + key[^4..];
}
