namespace Switchboard.Routing;

/// <summary><c>round-robin</c>: strict rotation over the available deployments.</summary>
internal sealed class RoundRobinStrategy : IRoutingStrategy
{
    private long _next = -1;

    public Deployment Pick(List<Deployment> candidates, in StrategyContext context)
    {
        // Interlocked keeps the rotation exact even if a caller ever picks outside the group lock.
        var n = Interlocked.Increment(ref _next);
        return candidates[(int)(n % candidates.Count)];
    }
}
