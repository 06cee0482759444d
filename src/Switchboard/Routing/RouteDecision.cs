namespace Switchboard.Routing;

/// <summary>The router's answer to one attempt: a lease on a deployment, or why there is none.</summary>
internal sealed class RouteDecision
{
    public DeploymentLease? Lease { get; init; }

    public bool Success => Lease != null;

    public NoDeploymentReason Reason { get; init; }

    /// <summary>Time until the earliest deployment recovers (at least 1 s for AllCoolingDown); null when unknown or now.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>A wait as a <c>Retry-After</c> says it: whole seconds, rounded up, at least 1 (the header cannot say less).</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    /// <summary>Every deployment's last failure was "platform overloaded" (Z.ai 1305, 529): answer overloaded_error / 529.</summary>
    public bool AllOverloaded { get; init; }

    /// <summary>All keys are disabled or out of quota for more than 60 s: the client should not retry soon.</summary>
    public bool LongOutage { get; init; }

    /// <summary>Human text naming the model group, safe to return to the client.</summary>
    public string Message { get; init; } = "";

    internal static RouteDecision Leased(DeploymentLease lease) => new() { Lease = lease };
}
