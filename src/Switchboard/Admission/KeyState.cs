namespace Switchboard.Admission;

/// <summary>The live counters of one virtual key; every field is guarded by <see cref="Gate"/>.</summary>
internal sealed class KeyState(double spend, DateTimeOffset? resetAt, string? duration)
{
    public Lock Gate { get; } = new();

    /// <summary>Spend since the last reset, counted at once when a call completes (the store catches up in batches).</summary>
    public double Spend { get; set; } = spend;

    public DateTimeOffset? ResetAt { get; set; } = resetAt;
    public string? Duration { get; set; } = duration;
    public int InFlight { get; set; }

    /// <summary>Admission times (TimeProvider timestamps) within the last minute, oldest first.</summary>
    public Queue<long> Requests { get; } = new();

    /// <summary>Completed calls' tokens within the last minute, oldest first.</summary>
    public Queue<(long At, long Tokens)> Tokens { get; } = new();

    public long TokensInWindow { get; set; }
}
