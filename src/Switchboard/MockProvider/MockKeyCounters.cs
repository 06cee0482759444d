namespace Switchboard.MockProvider;

/// <summary>Live counters of one key; changed only with <see cref="Interlocked"/>.</summary>
internal sealed class MockKeyCounters
{
    private long _calls;
    private int _inFlight;
    private int _maxInFlight;

    // The fixed-window counter of lim-keys; a lock is fine in the mock, and it keeps start, end and count consistent.
    private readonly Lock _windowGate = new();
    private DateTimeOffset _windowEnd = DateTimeOffset.MinValue;
    private int _windowCalls;
    private long _refused;

    private long _concurrencyRefused;

    public long Calls => Volatile.Read(ref _calls);

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most calls that were in flight at once, counting a refused call with those it met.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Counts a call that has arrived.</summary>
    /// <returns>The call's number for this key (1-based) and the calls in flight including it.</returns>
    public (long CallNumber, int InFlight) Enter()
    {
        var number = Interlocked.Increment(ref _calls);
        var inFlight = Interlocked.Increment(ref _inFlight);
        RaiseMax(inFlight);
        return (number, inFlight);
    }

    /// <summary>
    /// Counts a call that has arrived at a key that runs at most <paramref name="limit"/> calls at once. A call over the
    /// limit is refused without ever counting as in flight, as with a real provider, whose refusal starts no generation:
    /// else a refused call would hold a slot until its handler ends and refuse the next call that races it.
    /// </summary>
    /// <returns>The call's number for this key (1-based), and whether it runs (false: refused).</returns>
    public (long CallNumber, bool Admitted) EnterWithin(int limit)
    {
        var number = Interlocked.Increment(ref _calls);
        var current = Volatile.Read(ref _inFlight);
        while (true)
        {
            if (current >= limit)
            {
                // Still the most calls the client tried to have in flight at once, which is what tests check.
                RaiseMax(current + 1);
                return (number, false);
            }

            var seen = Interlocked.CompareExchange(ref _inFlight, current + 1, current);
            if (seen == current) break;
            current = seen;
        }

        RaiseMax(current + 1);
        return (number, true);
    }

    private void RaiseMax(int inFlight)
    {
        var max = Volatile.Read(ref _maxInFlight);
        while (inFlight > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxInFlight, inFlight, max);
            if (seen == max) break;
            max = seen;
        }
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Calls a <c>conc&lt;N&gt;-</c> key refused with Z.ai 1302 (more than N in flight).</summary>
    public long ConcurrencyRefused => Volatile.Read(ref _concurrencyRefused);

    /// <summary>Counts a call refused for concurrency.</summary>
    public void RefuseConcurrency() => Interlocked.Increment(ref _concurrencyRefused);

    /// <summary>Calls a lim-key refused for its window.</summary>
    public long Refused
    {
        get
        {
            lock (_windowGate)
            {
                return _refused;
            }
        }
    }

    /// <summary>A lim-key's current window: when it ends and the calls it has answered.</summary>
    public (DateTimeOffset End, int Answered) CurrentWindow
    {
        get
        {
            lock (_windowGate)
            {
                return (_windowEnd, _windowCalls);
            }
        }
    }

    /// <summary>
    /// Takes one of <paramref name="limit"/> calls of the key's current fixed window, opening a new window at
    /// <paramref name="now"/> when the last one is over. Refused calls do not count, as with real providers.
    /// </summary>
    /// <returns>Whether the call may be answered, the calls left in the window, and when the window ends.</returns>
    public (bool Allowed, int Remaining, DateTimeOffset Reset) TakeWindowCall(int limit, TimeSpan window, DateTimeOffset now)
    {
        lock (_windowGate)
        {
            if (now >= _windowEnd)
            {
                _windowEnd = now + window;
                _windowCalls = 0;
            }

            var allowed = _windowCalls < limit;
            if (allowed)
            {
                _windowCalls++;
            }
            else
            {
                _refused++;
            }

            return (allowed, limit - _windowCalls, _windowEnd);
        }
    }
}
