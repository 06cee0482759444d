namespace Switchboard.Routing;

/// <summary>
/// Picks one deployment among candidates that are already known to be usable (not cooling, not disabled, not excluded,
/// under their rpm/tpm and parallel caps). Called under the group's lock, so implementations need no locking of their own.
/// </summary>
internal interface IRoutingStrategy
{
    /// <param name="candidates">Non-empty, in config order.</param>
    /// <param name="context">The attempt being routed.</param>
    Deployment Pick(List<Deployment> candidates, in StrategyContext context);
}

/// <summary>What a strategy may know about the attempt.</summary>
internal readonly record struct StrategyContext(DateTimeOffset Now, int EstimatedTokens, bool Stream);
