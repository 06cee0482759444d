namespace Switchboard.Usage;

internal sealed record UsageSinkOptions
{
    /// <summary>Bound of the channel between the request path and the writer.</summary>
    public int Capacity { get; init; } = 100_000;

    public int BatchSize { get; init; } = 500;

    /// <summary>
    /// How long a partial batch waits for more records before it is written. Short enough that most records are stored
    /// before the next gen0 collection (records that wait longer are promoted and copied by the GC).
    /// </summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Records kept in memory while the store fails; beyond this the oldest are dropped (and counted).</summary>
    public int MaxBuffered { get; init; } = 200_000;

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}
