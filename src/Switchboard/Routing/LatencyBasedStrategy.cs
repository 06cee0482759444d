namespace Switchboard.Routing;

/// <summary>
/// <c>latency-based-routing</c>: deployments without samples first (rotating), else the lowest recent latency (time to first
/// token for streams), choosing at random among those within <c>lowest_latency_buffer</c> of the fastest.
/// </summary>
internal sealed class LatencyBasedStrategy(double buffer, Random random) : IRoutingStrategy
{
    private long _rotation = -1;

    public Deployment Pick(List<Deployment> candidates, in StrategyContext context)
    {
        var start = (int)(Interlocked.Increment(ref _rotation) % candidates.Count);
        for (var i = 0; i < candidates.Count; i++)
        {
            var d = candidates[(start + i) % candidates.Count];
            if (d.Latency.Count == 0 && d.Ttft.Count == 0)
            {
                return d;
            }
        }

        var stream = context.Stream;
        var best = double.MaxValue;
        foreach (var d in candidates)
        {
            best = Math.Min(best, Score(d, stream));
        }

        var limit = best * (1 + Math.Max(buffer, 0));
        var within = 0;
        foreach (var d in candidates)
        {
            if (Score(d, stream) <= limit)
            {
                within++;
            }
        }

        var chosen = within == 1 ? 0 : random.Next(within);
        foreach (var d in candidates)
        {
            if (Score(d, stream) <= limit && chosen-- == 0)
            {
                return d;
            }
        }

        return candidates[0];
    }

    private static double Score(Deployment d, bool stream) =>
        stream && d.Ttft.Count > 0 ? d.Ttft.Ewma : d.Latency.Count > 0 ? d.Latency.Ewma : d.Ttft.Ewma;
}
