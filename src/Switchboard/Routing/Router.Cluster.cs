using Switchboard.Upstream;

namespace Switchboard.Routing;

// State shared with other instances (architecture decision 6): the cluster-wide slot of a lease, and what other
// instances report (cooldowns, disabled keys, freed slots), applied to the local copy that every pick reads.
internal sealed partial class Router
{
    /// <summary>
    /// Leases a deployment of <paramref name="group"/> for one attempt (see <see cref="AcquireLocalAsync"/>). A deployment
    /// whose cap or window is shared across instances also needs a cluster-wide slot; when the cluster has none free the
    /// deployment counts as at its cap here, and the call waits in the local queue until a slot is freed anywhere.
    /// </summary>
    public async ValueTask<RouteDecision> AcquireAsync(ModelGroup group, RouteRequest request, CancellationToken ct)
    {
        while (true)
        {
            var decision = await AcquireLocalAsync(group, request, ct);
            if (decision.Lease is not { } lease || !Shared.SharesSlots(lease.Deployment))
            {
                return decision;
            }

            long? slot;
            try
            {
                slot = await Shared.TryTakeSlotAsync(lease.Deployment, ct);
            }
            catch
            {
                lease.Dispose();
                throw;
            }

            if (slot is { } taken)
            {
                lease.SharedSlot = taken;
                return decision;
            }

            lock (group.Gate)
            {
                lease.Deployment.SharedSlotsFull = true;
            }

            lease.Dispose();
        }
    }

    /// <summary>A slot of the deployment was freed somewhere (or may have expired): waiters here look again.</summary>
    internal void SharedSlotFreed(string deploymentId)
    {
        foreach (var (group, d) in Find(deploymentId))
        {
            lock (group.Gate)
            {
                if (!d.SharedSlotsFull)
                {
                    continue;
                }

                d.SharedSlotsFull = false;
                if (group.Waiters.Count > 0)
                {
                    PumpLocked(group, _time.GetUtcNow());
                }
            }
        }
    }

    /// <summary>The deployments whose cluster-wide slots were full at the last look.</summary>
    internal IEnumerable<string> SharedSlotsFullIds() =>
        Groups.SelectMany(g => g.Deployments).Where(d => d.SharedSlotsFull).Select(d => d.Id).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The cluster-wide rpm/tpm window of the deployment is used up until <paramref name="until"/>: rest it here, unannounced.</summary>
    internal void SharedWindowFull(Deployment d, DateTimeOffset until)
    {
        foreach (var group in Groups)
        {
            if (!group.Deployments.Contains(d))
            {
                continue;
            }

            lock (group.Gate)
            {
                if (d.CooldownUntil is not { } current || current < until)
                {
                    d.CooldownUntil = until;
                    d.CooldownKind = FailureKind.RateLimited;
                    d.CooldownReason = "cluster-wide rpm/tpm window used up";
                }
            }
        }
    }

    /// <summary>Another instance cooled the deployment down: the same here, unless a later end is already set. Not announced again.</summary>
    internal void ApplySharedCooldown(string deploymentId, DateTimeOffset until, FailureKind kind, string reason)
    {
        foreach (var (group, d) in Find(deploymentId))
        {
            lock (group.Gate)
            {
                var now = _time.GetUtcNow();
                if (until <= now || (d.CooldownUntil is { } current && current >= until))
                {
                    continue;
                }

                d.CooldownUntil = until;
                d.CooldownKind = kind;
                d.CooldownReason = reason;
                Log.SharedCooldown(_logger, d.Id, d.MaskedKey, d.Group, (until - now).TotalSeconds, reason);
            }
        }
    }

    /// <summary>Another instance disabled (or enabled) the deployment's key.</summary>
    internal void ApplySharedDisabled(string deploymentId, bool disabled, string reason)
    {
        foreach (var (group, d) in Find(deploymentId))
        {
            lock (group.Gate)
            {
                if (d.Disabled == disabled)
                {
                    continue;
                }

                d.Disabled = disabled;
                d.DisabledReason = disabled ? reason : null;
                if (!disabled)
                {
                    d.RecentFails.Clear();
                    d.CooldownUntil = null;
                    d.CooldownKind = null;
                    d.CooldownReason = null;
                    d.LastFailureKind = null;
                    if (group.Waiters.Count > 0)
                    {
                        PumpLocked(group, _time.GetUtcNow());
                    }
                }

                Log.SharedDisabled(_logger, d.Id, d.MaskedKey, d.Group, disabled, reason);
            }
        }
    }

    /// <summary>What this instance knows and others may have missed (while Redis was away): running cooldowns and disabled keys.</summary>
    internal IReadOnlyList<SharedDeploymentState> SharedStates()
    {
        var list = new List<SharedDeploymentState>();
        var now = _time.GetUtcNow();
        foreach (var group in Groups)
        {
            lock (group.Gate)
            {
                foreach (var d in group.Deployments)
                {
                    if (d.Disabled || (d.CooldownUntil is { } until && until > now && d.CooldownReason is not "cluster-wide rpm/tpm window used up"))
                    {
                        list.Add(new SharedDeploymentState(
                            d.Id, d.Disabled, d.DisabledReason ?? "", d.CooldownUntil, d.CooldownKind ?? FailureKind.RateLimited, d.CooldownReason ?? ""));
                    }
                }
            }
        }

        return list;
    }

    private IEnumerable<(ModelGroup Group, Deployment Deployment)> Find(string deploymentId)
    {
        foreach (var group in Groups)
        {
            foreach (var d in group.Deployments)
            {
                if (string.Equals(d.Id, deploymentId, StringComparison.Ordinal))
                {
                    yield return (group, d);
                }
            }
        }
    }
}
