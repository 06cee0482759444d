namespace Switchboard.Storage;

/// <summary>
/// One call as it happened, failures included. Lives in Storage (not Usage) because the store writes it
/// and Storage depends on no other room.
/// </summary>
/// <remarks><see cref="PromptTokens"/> includes <see cref="CachedTokens"/> (OpenAI's convention); callers
/// relaying Anthropic usage add <c>cache_read_input_tokens</c> and <c>cache_creation_input_tokens</c> to <c>input_tokens</c>.
/// A record is unique by its time and request id: stored twice (a retried batch), it keeps one row.</remarks>
internal sealed record UsageRecord
{
    public required DateTimeOffset Time { get; init; }
    public required string RequestId { get; init; }
    public string? KeyHash { get; init; }
    public string? KeyAlias { get; init; }
    public required string ModelGroup { get; init; }
    public string? DeploymentId { get; init; }
    public string? UpstreamModel { get; init; }
    public int HttpStatus { get; init; }

    /// <summary>Failure class (rate_limited, timeout, upstream_5xx, …) or null on success.</summary>
    public string? ErrorClass { get; init; }

    public int Retries { get; init; }
    public long PromptTokens { get; init; }
    public long CompletionTokens { get; init; }
    public long CachedTokens { get; init; }

    /// <summary>Prompt tokens written to the provider's cache (Anthropic's <c>cache_creation_input_tokens</c>); part of <see cref="PromptTokens"/>.</summary>
    public long CacheCreationTokens { get; init; }

    /// <summary>True when the tokens were counted locally because the upstream reported no usage.</summary>
    public bool TokensEstimated { get; init; }

    /// <summary>USD.</summary>
    public double Cost { get; init; }

    public double LatencyMs { get; init; }
    public double? TtftMs { get; init; }
    public bool Stream { get; init; }

    /// <summary>Answered from the response cache (billed at zero, no upstream call); LiteLLM's <c>cache_hit</c>.</summary>
    public bool CacheHit { get; init; }

    /// <summary>The caller's API: <c>openai</c> or <c>anthropic</c>.</summary>
    public string Api { get; init; } = "openai";

    public long TotalTokens => PromptTokens + CompletionTokens;
}
