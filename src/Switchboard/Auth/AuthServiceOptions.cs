namespace Switchboard.Auth;

internal sealed record AuthServiceOptions
{
    /// <summary>A found key is re-read after this long, so changes made by another instance arrive.</summary>
    public TimeSpan PositiveTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>An unknown key is remembered this long, so a flood of bad keys does not hit the database.</summary>
    public TimeSpan NegativeTtl { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Known keys cached at most; beyond, the least recently used are evicted.</summary>
    public int MaxEntries { get; init; } = 100_000;

    /// <summary>Unknown tokens remembered at most, apart from the known keys: a flood of random tokens evicts only its own
    /// kind, never a key in use.</summary>
    public int MaxUnknownEntries { get; init; } = 10_000;
}
