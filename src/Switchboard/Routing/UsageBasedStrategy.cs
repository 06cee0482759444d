namespace Switchboard.Routing;

/// <summary>
/// <c>usage-based-routing</c>(<c>-v2</c>): the lowest share of <c>tpm</c> used in the current minute (tokens used when no tpm
/// is set); ties rotate. Capped deployments never reach the strategy.
/// </summary>
internal sealed class UsageBasedStrategy : IRoutingStrategy
{
    private long _rotation = -1;

    public Deployment Pick(List<Deployment> candidates, in StrategyContext context)
    {
        var start = (int)(Interlocked.Increment(ref _rotation) % candidates.Count);
        Deployment? best = null;
        var bestScore = double.MaxValue;
        for (var i = 0; i < candidates.Count; i++)
        {
            var d = candidates[(start + i) % candidates.Count];
            d.RollMinute(context.Now);
            double used = d.CurrentMinute.TokensIn + d.CurrentMinute.TokensOut;
            var score = d.Config.Tpm is > 0 and var tpm ? used / tpm : used;
            if (score < bestScore)
            {
                best = d;
                bestScore = score;
            }
        }

        return best!;
    }
}
