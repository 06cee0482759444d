using Switchboard.Auth;
using Switchboard.Protocols;
using Switchboard.Routing;

namespace Switchboard.Telemetry;

/// <summary>What the metrics and the call's span learn about one finished client call (filled by the proxy endpoint).</summary>
internal readonly record struct CallFacts
{
    /// <summary>The endpoint's route pattern (bounded), e.g. <c>/v1/chat/completions</c>.</summary>
    public required string Route { get; init; }
    public required int Status { get; init; }
    public Caller? Caller { get; init; }

    /// <summary>The model the client named; null when the call ended before it was read.</summary>
    public string? RequestedModel { get; init; }

    /// <summary>The group the model name resolved to (before fallbacks); null when unknown.</summary>
    public string? FirstGroup { get; init; }
    public Deployment? ServedBy { get; init; }
    public string? ServedGroup { get; init; }

    /// <summary>A fallback group was tried (whether or not it served).</summary>
    public bool FallbackTried { get; init; }
    public string? ErrorClass { get; init; }
    public int Retries { get; init; }
    public bool Stream { get; init; }
    public TimeSpan Total { get; init; }
    public TimeSpan Upstream { get; init; }
    public TimeSpan QueueTime { get; init; }
    public TimeSpan? TimeToFirstToken { get; init; }
    public TokenUsage? Usage { get; init; }
    public double Cost { get; init; }
    public string? CallId { get; init; }
}
