namespace Switchboard.Admission;

/// <summary>One admitted call. Dispose it when the call ends (frees the parallel slot); report usage with <see cref="AdmissionController.Complete"/>.</summary>
internal sealed class AdmissionLease : IDisposable
{
    private int _released;
    private int _completed;

    internal AdmissionLease(KeyState? state, string? keyHash, bool trackTokens)
    {
        State = state;
        KeyHash = keyHash;
        TrackTokens = trackTokens;
    }

    /// <summary>Null for open-mode and master-key callers: nothing to count.</summary>
    internal KeyState? State { get; }

    public string? KeyHash { get; }

    internal bool TrackTokens { get; }

    /// <summary>The cluster's counters this call also counts in (architecture decision 6); null when they are not shared.</summary>
    internal ISharedKeyLimits? Shared { get; set; }

    /// <summary>The cluster-wide parallel slot to free (0: none).</summary>
    internal long SharedSlot { get; set; }

    /// <summary>The budget period the call's cost counts in.</summary>
    internal long SharedPeriod { get; set; }

    internal bool TryMarkCompleted() => Interlocked.Exchange(ref _completed, 1) == 0;

    public void Dispose()
    {
        if (State is not null && Interlocked.Exchange(ref _released, 1) == 0)
        {
            lock (State.Gate)
            {
                State.InFlight--;
            }

            if (SharedSlot != 0)
            {
                Shared?.Release(KeyHash!, SharedSlot);
            }
        }
    }
}
