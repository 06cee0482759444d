namespace Switchboard.MockProvider;

/// <summary>Live counters of one key; changed only with <see cref="Interlocked"/>.</summary>
internal sealed class MockKeyCounters
{
    private long _calls;
    private int _inFlight;
    private int _maxInFlight;

    public long Calls => Volatile.Read(ref _calls);

    public int InFlight => Volatile.Read(ref _inFlight);

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Counts a call that has arrived.</summary>
    /// <returns>The call's number for this key (1-based) and the calls in flight including it.</returns>
    public (long CallNumber, int InFlight) Enter()
    {
        var number = Interlocked.Increment(ref _calls);
        var inFlight = Interlocked.Increment(ref _inFlight);
        var max = Volatile.Read(ref _maxInFlight);
        while (inFlight > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxInFlight, inFlight, max);
            if (seen == max) break;
            max = seen;
        }

        return (number, inFlight);
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);
}
