namespace Switchboard.Routing;

/// <summary>
/// What the router tells the other gateway instances and asks of them (architecture decision 6). Routing defines it and
/// holds no Redis type; <c>Cluster/</c> implements it. Without Redis it is <see cref="LocalRouterState"/>: nothing is
/// shared and the hot path is unchanged. No method blocks: the ones without <c>Async</c> may be called under a group's
/// lock and only queue work.
/// </summary>
internal interface ISharedRouterState
{
    /// <summary>Whether a lease on <paramref name="deployment"/> needs a cluster-wide slot (a cap or window to share; while Redis is away the slot is taken at once, locally, and merged later).</summary>
    bool SharesSlots(Deployment deployment);

    /// <summary>
    /// Takes one of the deployment's cluster-wide slots (<c>max_parallel_requests</c>, <c>rpm</c>, <c>tpm</c>), as a lease
    /// with an expiry that this instance renews while the call runs.
    /// </summary>
    /// <returns>A token for <see cref="ReleaseSlot"/> (0: taken locally only, Redis is away), or null when the cluster is full.</returns>
    ValueTask<long?> TryTakeSlotAsync(Deployment deployment, CancellationToken ct);

    /// <summary>Returns a slot taken with <see cref="TryTakeSlotAsync"/>, with the tokens the call used (for tpm); wakes waiters on every instance.</summary>
    void ReleaseSlot(Deployment deployment, long token, long tokens);

    /// <summary>A cooldown started or was pushed later here.</summary>
    void CooldownStarted(Deployment deployment, DateTimeOffset until, Upstream.FailureKind kind, string reason);

    /// <summary>A key was disabled here (401/403).</summary>
    void Disabled(Deployment deployment, string reason);

    /// <summary>A key was enabled here (admin or probe); its cooldown is cleared too.</summary>
    void Enabled(Deployment deployment);
}
