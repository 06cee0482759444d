namespace Switchboard.Api;

/// <summary>
/// Reused token sources for the calls' time budgets (<c>request_timeout</c>): a source, its timer and the link to the
/// client's hang-up were three objects per call (docs/benchmarks.md, "Allocation budgets"). A source comes back only
/// from a call that ended normally and only if <see cref="CancellationTokenSource.TryReset"/> succeeds (it was not
/// cancelled), so that no cancelled or still-watched token is handed to another call.
/// </summary>
internal sealed class RequestTimeouts
{
    /// <summary>Sources kept for reuse: about the calls in flight at once; beyond this they are disposed.</summary>
    public const int MaxPooled = 1024;

    private readonly Lock _gate = new();
    private readonly Stack<CancellationTokenSource> _pool = new();

    public CancellationTokenSource Rent()
    {
        while (true)
        {
            CancellationTokenSource? source;
            lock (_gate)
            {
                if (!_pool.TryPop(out source))
                {
                    return new CancellationTokenSource();
                }
            }

            // A timer that fired while its call was ending (TryReset won the race, the callback ran after it): never reused.
            if (!source.IsCancellationRequested)
            {
                return source;
            }

            source.Dispose();
        }
    }

    public void Return(CancellationTokenSource source)
    {
        if (source.TryReset())
        {
            lock (_gate)
            {
                if (_pool.Count < MaxPooled)
                {
                    _pool.Push(source);
                    return;
                }
            }
        }

        source.Dispose();
    }
}
