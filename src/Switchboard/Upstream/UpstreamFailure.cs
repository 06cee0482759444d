namespace Switchboard.Upstream;

/// <summary>A classified upstream failure: what the router does with the deployment and whether another one may be tried.</summary>
/// <param name="Kind">The failure class.</param>
/// <param name="HttpStatus">The upstream status, 0 when no response arrived.</param>
/// <param name="ProviderCode">The provider's business code (Z.ai <c>error.code</c>, Anthropic <c>error.type</c>), if any.</param>
/// <param name="Message">The upstream's error text, for logs and the client.</param>
/// <param name="RetryAfter">The upstream's <c>Retry-After</c>, if it sent one.</param>
/// <param name="CooldownUntil">A known recovery time (quota reset, rate-limit reset), if any.</param>
internal sealed record UpstreamFailure(
    FailureKind Kind,
    int HttpStatus,
    string? ProviderCode,
    string Message,
    TimeSpan? RetryAfter,
    DateTimeOffset? CooldownUntil)
{
    /// <summary>False only for failures caused by the request itself, which every other deployment would repeat.</summary>
    public bool IsRetryableOnAnotherDeployment => Kind != FailureKind.ClientError;

    /// <summary>The request window the answer's <c>x-ratelimit-*-requests</c> headers stated, if any.</summary>
    public RequestWindow? Window { get; init; }
}
