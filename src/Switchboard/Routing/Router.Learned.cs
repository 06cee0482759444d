namespace Switchboard.Routing;

internal sealed partial class Router
{
    /// <summary>
    /// Every deployment's learned limits and current window, keyed by deployment id, for a router rebuilt from a reloaded
    /// config to take over with <see cref="ImportLearnedLimits"/>: the learning of the last windows is not lost, and a
    /// key at its limit stays paced until its window resets.
    /// </summary>
    public IReadOnlyDictionary<string, LearnedLimits> ExportLearnedLimits()
    {
        var learned = new Dictionary<string, LearnedLimits>(StringComparer.Ordinal);
        foreach (var group in Groups)
        {
            lock (group.Gate)
            {
                foreach (var d in group.Deployments)
                {
                    learned[d.Id] = new LearnedLimits(d.Config, d.Limits.Copy());
                }
            }
        }

        return learned;
    }

    /// <summary>
    /// Takes over what <paramref name="learned"/> (another router's <see cref="ExportLearnedLimits"/>) knows of each
    /// deployment with the same id, upstream, model and key; deployments that are new or changed start afresh.
    /// Call it on the new router before it takes traffic.
    /// </summary>
    /// <returns>How many deployments took over learned limits.</returns>
    public int ImportLearnedLimits(IReadOnlyDictionary<string, LearnedLimits> learned)
    {
        ArgumentNullException.ThrowIfNull(learned);
        var taken = 0;
        foreach (var group in Groups)
        {
            lock (group.Gate)
            {
                foreach (var d in group.Deployments)
                {
                    if (learned.TryGetValue(d.Id, out var old) && old.Fits(d.Config))
                    {
                        // A copy again: one export may seed several routers (and the old router is still running).
                        d.Limits = old.Estimator.Copy();
                        taken++;
                    }
                }
            }
        }

        return taken;
    }
}
