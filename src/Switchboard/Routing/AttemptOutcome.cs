using Switchboard.Upstream;

namespace Switchboard.Routing;

/// <summary>A successful attempt, as the router learns from it.</summary>
/// <param name="Latency">Whole call, start to last byte.</param>
/// <param name="TimeToFirstToken">For streams: start to the first content chunk.</param>
/// <param name="InputTokens">Prompt tokens (upstream usage, else estimated).</param>
/// <param name="OutputTokens">Completion tokens.</param>
/// <param name="RateLimit">The upstream's own rate-limit headers said the quota is used up: cool down pre-emptively.</param>
/// <param name="Window">The request window the upstream's headers stated, for the limit estimator.</param>
internal readonly record struct AttemptOutcome(
    TimeSpan Latency,
    TimeSpan? TimeToFirstToken,
    int InputTokens,
    int OutputTokens,
    RateLimitHint? RateLimit,
    RequestWindow? Window = null);
