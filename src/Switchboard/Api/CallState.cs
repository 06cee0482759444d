using Switchboard.Auth;
using Switchboard.Protocols;
using Switchboard.Routing;

namespace Switchboard.Api;

/// <summary>What one client call carries through its attempts, and what its usage record is made of.</summary>
internal sealed class CallState
{
    public required string CallId { get; init; }
    public required string RequestedModel { get; init; }
    public required long StartTimestamp { get; init; }
    public string? SessionId { get; init; }
    public int EstimatedInputTokens { get; init; }
    public Caller Caller { get; init; } = Caller.Anonymous;

    /// <summary>Spend of the caller's virtual key before this call, for <c>x-litellm-key-spend</c>.</summary>
    public double? KeySpendBefore { get; init; }

    /// <summary>Masks configured keys in upstream error text relayed mid-stream (set by the attempt loop).</summary>
    public Observability.SecretRedactor Secrets { get; set; } = Observability.SecretRedactor.Empty;

    /// <summary>The largest SSE event accepted from an upstream (<c>general_settings.max_sse_event_bytes</c>).</summary>
    public int MaxSseEventBytes { get; set; } = Protocols.OpenAi.SseParser.DefaultMaxEventBytes;

    /// <summary>Time spent waiting on upstreams (connect to last byte), summed over attempts.</summary>
    public TimeSpan UpstreamTime { get; set; }
    public int Retries { get; set; }

    /// <summary>Time spent waiting for a free deployment (the router's queue), summed over attempts.</summary>
    public TimeSpan QueueTime { get; set; }

    /// <summary>A fallback group was tried, whether or not it served (for the fallback metrics).</summary>
    public bool FallbackTried { get; set; }
    public Deployment? ServedBy { get; set; }

    /// <summary>Answered from the response cache: no upstream was called, nothing is billed.</summary>
    public bool CacheHit { get; set; }
    public string? ServedGroup { get; set; }
    public TokenUsage? Usage { get; set; }

    private Switchboard.Usage.DeliveredUsage? _delivered;

    /// <summary>What a stream delivered so far, for billing a stream that ends early (architecture decision 5); made on first use.</summary>
    public Switchboard.Usage.DeliveredUsage Delivered => _delivered ??= new();

    /// <summary>The delivered usage is whole (input and output figures seen); false when nothing was recorded.</summary>
    public bool DeliveredComplete => _delivered is { Complete: true };
    public TimeSpan? TimeToFirstToken { get; set; }

    /// <summary>The failure class of the last failed attempt (or of the answer), for the usage record.</summary>
    public string? ErrorClass { get; set; }

    /// <summary>The call's cost in USD, known once usage is: from model_info prices, else the built-in table.</summary>
    public double Cost => Usage is { } u ? CostOf(u) : 0;

    /// <summary>The price of <paramref name="usage"/> on the deployment that served the call; 0 when none did.</summary>
    public double CostOf(TokenUsage usage) => ServedBy is { } d
        ? Switchboard.Usage.CostCalculator.Cost(d.Config.ModelInfo, d.Config.UpstreamModel, usage)
        : 0;
}
