namespace Switchboard.Routing;

/// <summary>
/// <c>usage-based-routing</c>(<c>-v2</c>): the lowest share of <c>tpm</c> used in the current minute (tokens used when no tpm
/// is set); ties rotate. Capped deployments never reach the strategy. A paced key with a known limit whose window is open
/// and has room comes first: its budget ends with its window, so a call it does not take is capacity lost, while a key
/// whose window has not opened keeps its budget (docs/pool-efficiency.md).
/// </summary>
internal sealed class UsageBasedStrategy : IRoutingStrategy
{
    private long _rotation = -1;

    public Deployment Pick(List<Deployment> candidates, in StrategyContext context)
    {
        var start = (int)(Interlocked.Increment(ref _rotation) % candidates.Count);
        Deployment? best = null;
        var bestOpen = false;
        var bestScore = double.MaxValue;
        for (var i = 0; i < candidates.Count; i++)
        {
            var d = candidates[(start + i) % candidates.Count];
            d.RollMinute(context.Now);
            double used = d.CurrentMinute.TokensIn + d.CurrentMinute.TokensOut;
            var score = d.Config.Tpm is > 0 and var tpm ? used / tpm : used;
            var open = IsOpenWithRoom(d, context.Now);
            if ((open && !bestOpen) || (open == bestOpen && score < bestScore))
            {
                best = d;
                bestOpen = open;
                bestScore = score;
            }
        }

        return best!;
    }

    private static bool IsOpenWithRoom(Deployment d, DateTimeOffset now) =>
        d.Paced && d.Limits.Limit is { } limit && d.Limits.WindowEnd is { } end && end > now
        && d.Limits.SentInWindow > 0 && d.Limits.SentInWindow < limit;
}
