namespace Switchboard.Routing;

internal sealed partial class Router
{
    /// <summary>A consistent copy of every deployment's live usage and health (each group read under its lock).</summary>
    public RouterStatus Snapshot()
    {
        var now = _time.GetUtcNow();
        var groups = new List<GroupStatus>(Groups.Count);
        foreach (var group in Groups)
        {
            lock (group.Gate)
            {
                var list = new List<DeploymentStatus>(group.Deployments.Count);
                foreach (var d in group.Deployments)
                {
                    d.RollMinute(now);
                    var cooling = d.IsCooling(now);
                    list.Add(new DeploymentStatus
                    {
                        Id = d.Id,
                        Group = d.Group,
                        Provider = d.Config.Provider,
                        Model = d.Config.UpstreamModel,
                        ApiBase = d.Config.ApiBase,
                        MaskedKey = d.MaskedKey,
                        InFlight = d.InFlight,
                        MaxParallelRequests = d.Config.MaxParallelRequests,
                        Rpm = d.Config.Rpm,
                        Tpm = d.Config.Tpm,
                        Total = d.Total.ToSnapshot(),
                        CurrentMinute = d.CurrentMinute.ToSnapshot(),
                        LatencyP50Ms = d.Latency.Percentile(50),
                        LatencyP95Ms = d.Latency.Percentile(95),
                        TtftP50Ms = d.Ttft.Percentile(50),
                        LearnedRequests = d.Limits.Limit,
                        LearnedWindowSeconds = d.Limits.WindowHigh?.TotalSeconds,
                        LearnedExact = d.Limits.Exact,
                        LearnedConcurrency = d.Limits.Concurrency,
                        WindowUsed = d.Limits.SentInWindow,
                        Refusals = d.Limits.Refusals,
                        PacedSecondsLeft = d.Paced && d.Limits.BlockedUntil(now) is { } paced ? (paced - now).TotalSeconds : null,
                        CoolingDown = cooling,
                        CooldownSecondsLeft = cooling ? (d.CooldownUntil!.Value - now).TotalSeconds : null,
                        CooldownReason = cooling ? d.CooldownReason : null,
                        Disabled = d.Disabled,
                        DisabledReason = d.DisabledReason,
                        LastError = d.LastError,
                        LastErrorAt = d.LastErrorAt,
                    });
                }

                groups.Add(new GroupStatus(group.Name, group.Waiters.Count, list));
            }
        }

        return new RouterStatus(now, Settings.RoutingStrategy, groups);
    }
}
