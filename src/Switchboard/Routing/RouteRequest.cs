namespace Switchboard.Routing;

/// <summary>What the router needs to know about one attempt.</summary>
/// <param name="Excluded">Deployment ids already tried in this call.</param>
/// <param name="SessionId">The caller's session identity (for session affinity), if any.</param>
/// <param name="EstimatedTokens">Expected tokens of the call, for tpm caps and usage-based routing.</param>
internal readonly record struct RouteRequest(IReadOnlySet<string>? Excluded, string? SessionId, int EstimatedTokens)
{
    /// <summary>Streamed calls are routed by time to first token under latency-based routing.</summary>
    public bool Stream { get; init; }

    /// <summary>
    /// The call was already let in once (an earlier attempt of it was served and refused, e.g. a 1302 that only taught a
    /// key's concurrency): it is never refused for the expected wait again, only by the hard bounds (queue size, request
    /// timeout).
    /// </summary>
    public bool Admitted { get; init; }
}
