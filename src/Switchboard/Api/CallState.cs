namespace Switchboard.Api;

/// <summary>What one client call carries through its attempts.</summary>
internal sealed class CallState
{
    public required string CallId { get; init; }
    public required string RequestedModel { get; init; }
    public required long StartTimestamp { get; init; }
    public string? SessionId { get; init; }
    public int EstimatedInputTokens { get; init; }

    /// <summary>Time spent waiting on upstreams (connect to last byte), summed over attempts.</summary>
    public TimeSpan UpstreamTime { get; set; }
    public int Retries { get; set; }
    public string? ServedBy { get; set; }
    public string? ServedGroup { get; set; }
}
