using Switchboard.Config;

namespace Switchboard.Routing;

/// <summary>Maps <c>router_settings.routing_strategy</c> names to strategies.</summary>
internal static class RoutingStrategies
{
    public static readonly IReadOnlyList<string> Names =
    [
        "round-robin", "simple-shuffle", "least-connections", "least-busy",
        "usage-based-routing", "usage-based-routing-v2", "latency-based-routing", "order",
    ];

    /// <summary>A fresh strategy (each group keeps its own rotation). Unknown names fall back to round-robin, the guide's default.</summary>
    public static IRoutingStrategy Create(RouterSettings settings, Random random)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.RoutingStrategy.Trim().ToLowerInvariant() switch
        {
            "simple-shuffle" => new SimpleShuffleStrategy(random),
            "least-connections" or "least-busy" => new LeastBusyStrategy(),
            "usage-based-routing" or "usage-based-routing-v2" => new UsageBasedStrategy(),
            "latency-based-routing" => new LatencyBasedStrategy(settings.LowestLatencyBuffer, random),
            "order" => new OrderStrategy(),
            _ => new RoundRobinStrategy(),
        };
    }
}
