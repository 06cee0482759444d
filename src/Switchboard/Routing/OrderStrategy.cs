namespace Switchboard.Routing;

/// <summary><c>order</c>: only the lowest <c>order</c> tier with an available deployment is used (unset = last); rotation within it.</summary>
internal sealed class OrderStrategy : IRoutingStrategy
{
    private long _rotation = -1;

    public Deployment Pick(List<Deployment> candidates, in StrategyContext context)
    {
        var tier = int.MaxValue;
        var count = 0;
        foreach (var d in candidates)
        {
            var order = d.Config.Order ?? int.MaxValue;
            if (order < tier)
            {
                tier = order;
                count = 1;
            }
            else if (order == tier)
            {
                count++;
            }
        }

        var chosen = (int)(Interlocked.Increment(ref _rotation) % count);
        foreach (var d in candidates)
        {
            if ((d.Config.Order ?? int.MaxValue) == tier && chosen-- == 0)
            {
                return d;
            }
        }

        return candidates[0];
    }
}
