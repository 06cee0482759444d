namespace Switchboard.Storage;

/// <summary>
/// What the dashboard reads: usage over time from the rollups (never the raw rows), and the newest calls. Apart from
/// <see cref="IGatewayStore"/> so that a store wrapper (tests) need not implement it; both SQL stores do.
/// </summary>
internal interface IUsageReports
{
    /// <summary>Totals per time bucket of <paramref name="stepMs"/> (a multiple of the grain), oldest first; empty buckets are absent.</summary>
    Task<IReadOnlyList<UsageBucket>> GetUsageSeriesAsync(
        RollupGrain grain, DateTimeOffset from, DateTimeOffset to, long stepMs, CancellationToken cancellationToken);

    /// <summary>Totals per key, model group or deployment over a time range, highest cost (then requests) first.</summary>
    Task<IReadOnlyList<UsageSlice>> GetUsageBreakdownAsync(
        RollupGrain grain, UsageDimension dimension, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken);

    /// <summary>The rollup rows themselves (tests compare them with the raw rows' aggregates).</summary>
    Task<IReadOnlyList<UsageRollupRow>> GetRollupRowsAsync(
        RollupGrain grain, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>The newest calls matching <paramref name="query"/> (its page fields are ignored), newest first, without a total count.</summary>
    Task<IReadOnlyList<UsageRecord>> GetRecentUsageAsync(UsageQuery query, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// The time grain of a rollup table: per minute (kept two days), per hour and per day (kept). A chart reads the coarsest
/// grain its steps allow: a bucket of the per-minute table holds up to keys × deployments rows, as many as the raw log
/// over a day (measured: docs/benchmarks.md).
/// </summary>
internal enum RollupGrain
{
    Minute,
    Hour,
    Day,
}

internal enum UsageDimension
{
    Key,
    ModelGroup,
    Deployment,
}

internal sealed record UsageBucket(DateTimeOffset Start, long Requests, long Failures, long PromptTokens, long CompletionTokens, double Cost);

/// <summary>
/// One key, model group or deployment's totals. For a key, <see cref="Name"/> is its alias, else its stored preview
/// (masked), else null (a deleted key); <see cref="KeyHash"/> is null for calls made without a virtual key.
/// </summary>
internal sealed record UsageSlice(
    string? Name, string? KeyHash, long Requests, long Failures, long PromptTokens, long CompletionTokens, double Cost, double LatencyMsSum);

/// <summary>One row of a rollup table: one bucket of one key, model group and deployment.</summary>
internal sealed record UsageRollupRow(
    DateTimeOffset Bucket, string? KeyHash, string ModelGroup, string? DeploymentId,
    long Requests, long Failures, long PromptTokens, long CompletionTokens, double Cost, double LatencyMsSum);
