using Switchboard.Config;

namespace Switchboard.Routing;

/// <summary>The router's config snapshot and its groups, replaced as one reference by a reload.</summary>
internal sealed class RouterTables
{
    public RouterTables(GatewayConfig config, IReadOnlyList<ModelGroup> groups)
    {
        Config = config;
        Groups = groups;
        ByName = groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        Wildcards = [.. groups.Where(g => g.IsWildcard)];
    }

    public GatewayConfig Config { get; }

    public IReadOnlyList<ModelGroup> Groups { get; }

    public Dictionary<string, ModelGroup> ByName { get; }

    public ModelGroup[] Wildcards { get; }
}

/// <summary>What a reload changed: deployments kept with their state, added, and removed (left to drain).</summary>
internal sealed record ReloadSummary(int Kept, int Added, int Removed, int Groups);

internal sealed partial class Router
{
    private readonly Lock _reloadGate = new();

    /// <summary>
    /// Swaps in a new config snapshot atomically (one reference). A deployment whose id and parameters are unchanged is
    /// the same <see cref="Deployment"/> object afterwards, so it keeps everything it holds: cooldown, failure window,
    /// counters, latency samples and its learned limits (<see cref="Deployment.Limits"/>). A group of the same name is the
    /// same <see cref="ModelGroup"/> (its lock, wait queue and sessions stay); only its deployment list is replaced.
    /// Removed deployments are no longer picked; calls holding their leases finish and release them as usual (they
    /// drain). New deployments start healthy. A key disabled by 401/403 comes back (architecture decision 2: "until the
    /// config is reloaded").
    /// </summary>
    public ReloadSummary Reload(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        lock (_reloadGate)
        {
            var old = _tables;
            var strategyChanged = !string.Equals(old.Config.Router.RoutingStrategy, config.Router.RoutingStrategy, StringComparison.Ordinal)
                || old.Config.Router.LowestLatencyBuffer != config.Router.LowestLatencyBuffer;
            int kept = 0, added = 0, removed = 0;
            var groups = new List<ModelGroup>();
            foreach (var name in config.ModelGroups)
            {
                var members = config.ModelList.Where(d => string.Equals(d.ModelName, name, StringComparison.Ordinal)).ToList();
                if (!old.ByName.TryGetValue(name, out var group))
                {
                    var fresh = members.Select((d, i) => new Deployment(d, name, i) { Paced = config.Router.AdaptiveLimits }).ToArray();
                    added += fresh.Length;
                    groups.Add(new ModelGroup(name, fresh, RoutingStrategies.Create(config.Router, _random), SessionCapacity));
                    continue;
                }

                lock (group.Gate)
                {
                    var previous = group.Deployments;
                    var next = new Deployment[members.Count];
                    for (var i = 0; i < members.Count; i++)
                    {
                        var member = members[i];
                        var same = previous.FirstOrDefault(d => string.Equals(d.Id, member.Id, StringComparison.Ordinal) && SameParameters(d.Config, member));
                        if (same is null || Array.IndexOf(next, same) >= 0)
                        {
                            next[i] = new Deployment(member, name, i) { Paced = config.Router.AdaptiveLimits };
                            added++;
                            continue;
                        }

                        same.Config = member;
                        same.Index = i;
                        same.Paced = config.Router.AdaptiveLimits;
                        if (same.Disabled)
                        {
                            same.Disabled = false;
                            same.DisabledReason = null;
                            same.LastFailureKind = null;
                        }

                        next[i] = same;
                        kept++;
                    }

                    removed += previous.Count(d => Array.IndexOf(next, d) < 0);
                    group.Deployments = next;
                    if (strategyChanged)
                    {
                        group.Strategy = RoutingStrategies.Create(config.Router, _random);
                    }

                    groups.Add(group);
                }
            }

            foreach (var gone in old.Groups.Where(g => !groups.Contains(g)))
            {
                lock (gone.Gate)
                {
                    removed += gone.Deployments.Count;
                }
            }

            _tables = new RouterTables(config, groups);

            // Waiters of kept groups may fit on the new deployments; those of removed groups get their answer now.
            var now = _time.GetUtcNow();
            foreach (var group in old.Groups)
            {
                lock (group.Gate)
                {
                    if (!groups.Contains(group))
                    {
                        group.Deployments = [];
                    }

                    if (group.Waiters.Count > 0)
                    {
                        PumpLocked(group, now);
                    }
                }
            }

            Log.Reloaded(_logger, kept, added, removed, groups.Count);
            return new ReloadSummary(kept, added, removed, groups.Count);
        }
    }

    /// <summary>Equal in every parameter but the position in <c>model_list</c> (headers compared by content).</summary>
    internal static bool SameParameters(DeploymentConfig a, DeploymentConfig b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a with { Index = b.Index, ExtraHeaders = b.ExtraHeaders } == b
            && a.ExtraHeaders.Count == b.ExtraHeaders.Count
            && a.ExtraHeaders.All(h => b.ExtraHeaders.TryGetValue(h.Key, out var v) && string.Equals(v, h.Value, StringComparison.Ordinal));
    }
}
