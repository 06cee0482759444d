namespace Switchboard.Auth;

internal sealed record AuthServiceOptions
{
    /// <summary>A found key is re-read after this long, so changes made by another instance arrive.</summary>
    public TimeSpan PositiveTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>An unknown key is remembered this long, so a flood of bad keys does not hit the database.</summary>
    public TimeSpan NegativeTtl { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Beyond this many cached entries the cache is cleared (bounds memory under a flood of random keys).</summary>
    public int MaxEntries { get; init; } = 100_000;
}
