namespace Switchboard.Routing;

/// <summary>
/// <c>simple-shuffle</c> (LiteLLM's default): random, weighted by <c>weight</c>, else <c>rpm</c>, else <c>tpm</c>, else uniform.
/// The first of these that any candidate sets is used; candidates without it weigh the mean of those that have it.
/// </summary>
internal sealed class SimpleShuffleStrategy(Random random) : IRoutingStrategy
{
    public Deployment Pick(List<Deployment> candidates, in StrategyContext context)
    {
        Func<Deployment, double?>? metric =
            candidates.Exists(d => d.Config.Weight is not null) ? d => d.Config.Weight
            : candidates.Exists(d => d.Config.Rpm is not null) ? d => d.Config.Rpm
            : candidates.Exists(d => d.Config.Tpm is not null) ? d => d.Config.Tpm
            : null;
        if (metric is null || candidates.Count == 1)
        {
            return candidates[random.Next(candidates.Count)];
        }

        double sum = 0, known = 0, knownCount = 0;
        foreach (var d in candidates)
        {
            if (metric(d) is { } v)
            {
                known += Math.Max(v, 0);
                knownCount++;
            }
        }

        var fallback = known / knownCount;
        foreach (var d in candidates)
        {
            sum += Math.Max(metric(d) ?? fallback, 0);
        }

        if (sum <= 0)
        {
            return candidates[random.Next(candidates.Count)];
        }

        var x = random.NextDouble() * sum;
        foreach (var d in candidates)
        {
            x -= Math.Max(metric(d) ?? fallback, 0);
            if (x < 0)
            {
                return d;
            }
        }

        return candidates[^1];
    }
}
