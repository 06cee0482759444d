using Switchboard.Upstream;

namespace Switchboard.Routing;

/// <summary>Live usage of every deployment at one moment (GET /router/status, <c>switchboard status</c>).</summary>
internal sealed record RouterStatus(DateTimeOffset At, string Strategy, IReadOnlyList<GroupStatus> Groups);

internal sealed record GroupStatus(string Name, int Queued, IReadOnlyList<DeploymentStatus> Deployments);

/// <summary>One deployment's state. <see cref="MaskedKey"/> and <see cref="LastError"/> are safe to show.</summary>
internal sealed record DeploymentStatus
{
    public required string Id { get; init; }
    public required string Group { get; init; }
    public required string Provider { get; init; }
    public required string Model { get; init; }
    public required string ApiBase { get; init; }
    public required string MaskedKey { get; init; }
    public int InFlight { get; init; }
    public int? MaxParallelRequests { get; init; }
    public int? Rpm { get; init; }
    public int? Tpm { get; init; }
    public required UsageSnapshot Total { get; init; }
    public required UsageSnapshot CurrentMinute { get; init; }
    public double? LatencyP50Ms { get; init; }
    public double? LatencyP95Ms { get; init; }
    public double? TtftP50Ms { get; init; }
    /// <summary>The upstream's requests per window as learned (docs/pool-efficiency.md); null until it has said anything.</summary>
    public int? LearnedRequests { get; init; }

    /// <summary>The upstream's calls in flight as learned from Z.ai 1302 refusals; null until it refused one.</summary>
    public int? LearnedConcurrency { get; init; }

    /// <summary>The learned window's length; null until learned (60 s is assumed until then).</summary>
    public double? LearnedWindowSeconds { get; init; }

    /// <summary>The limit came from <c>x-ratelimit-*</c> headers rather than from refusals.</summary>
    public bool LearnedExact { get; init; }

    /// <summary>Calls sent in the current learned window.</summary>
    public int WindowUsed { get; init; }

    /// <summary>Rate-limit refusals seen since start.</summary>
    public long Refusals { get; init; }

    /// <summary>The deployment is at its learned limit (paced) for this much longer; null when it is not.</summary>
    public double? PacedSecondsLeft { get; init; }

    public bool CoolingDown { get; init; }
    public double? CooldownSecondsLeft { get; init; }
    public string? CooldownReason { get; init; }
    public bool Disabled { get; init; }
    public string? DisabledReason { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }
}

internal sealed record UsageSnapshot(
    long Requests,
    long Successes,
    long Failures,
    IReadOnlyDictionary<FailureKind, long> FailuresByKind,
    long Status429,
    long TokensIn,
    long TokensOut);
