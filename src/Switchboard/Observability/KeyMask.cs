namespace Switchboard.Observability;

/// <summary>
/// Turns an API key into something safe to show (<c>sk-…a1b2</c>): enough to tell keys apart in logs,
/// never enough to use one. At most 7 characters of the key are ever shown.
/// </summary>
internal static class KeyMask
{
    private const int ShortestMaskedWithTail = 9;

    // A prefix is kept only when at least 5 characters stay hidden besides it and the tail.
    private const int ShortestMaskedWithPrefix = 12;

    public static string Mask(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "(none)";
        }

        if (key.Length < ShortestMaskedWithTail)
        {
            return "****";
        }

        var tail = key[^4..];
        return key.Length >= ShortestMaskedWithPrefix && RecognisablePrefixLength(key) is var p and > 0
            ? key[..p] + "…" + tail
            : "…" + tail;
    }

    // Vendor prefixes look like "sk-" or "ok-": a dash within the first three characters.
    // A key without one has no recognisable prefix, and its first characters are just more secret.
    private static int RecognisablePrefixLength(string key)
    {
        var dash = key.IndexOf('-', StringComparison.Ordinal);
        return dash is 1 or 2 ? dash + 1 : 0;
    }
}
