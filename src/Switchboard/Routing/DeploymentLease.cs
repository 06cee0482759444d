namespace Switchboard.Routing;

/// <summary>One in-flight slot on a deployment. Dispose exactly when the upstream call is over (or abandoned).</summary>
internal sealed class DeploymentLease : IDisposable
{
    private readonly Router _router;
    private int _released;

    internal DeploymentLease(Router router, ModelGroup group, Deployment deployment, DateTimeOffset startedAt, int inFlightAtStart = 1)
    {
        InFlightAtStart = inFlightAtStart;
        _router = router;
        Group = group;
        Deployment = deployment;
        StartedAt = startedAt;
    }

    public Deployment Deployment { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Calls in flight on the deployment when this one was leased, itself included (for the learned concurrency).</summary>
    internal int InFlightAtStart { get; }

    internal ModelGroup Group { get; }

    /// <summary>The cluster-wide slot this lease holds (architecture decision 6), if any.</summary>
    internal long? SharedSlot { get; set; }

    /// <summary>Tokens the call used, for the cluster-wide tpm window.</summary>
    internal long Tokens { get; set; }

    internal bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>Frees the slot once, however often it is called, and hands it to the next waiter in FIFO order.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _router.Release(this);
        }
    }
}
