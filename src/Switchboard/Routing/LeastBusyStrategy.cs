namespace Switchboard.Routing;

/// <summary><c>least-connections</c> / <c>least-busy</c>: fewest in-flight requests; ties rotate.</summary>
internal sealed class LeastBusyStrategy : IRoutingStrategy
{
    private long _rotation = -1;

    public Deployment Pick(List<Deployment> candidates, in StrategyContext context)
    {
        var start = (int)(Interlocked.Increment(ref _rotation) % candidates.Count);
        Deployment? best = null;
        for (var i = 0; i < candidates.Count; i++)
        {
            var d = candidates[(start + i) % candidates.Count];
            if (best is null || d.InFlight < best.InFlight)
            {
                best = d;
            }
        }

        return best!;
    }
}
