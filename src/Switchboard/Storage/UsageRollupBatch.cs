namespace Switchboard.Storage;

/// <summary>
/// The stored rows of one usage batch summed per minute, hour and day, key, model group and deployment: the batch's
/// additions to the rollup tables, written in the batch's transaction so that the rollups always equal the raw rows.
/// A batch is mostly a few keys on a few deployments within a minute or two, so this is a handful of upserts per batch.
/// </summary>
internal sealed class UsageRollupBatch
{
    public const long MinuteMs = 60_000;
    public const long HourMs = 3_600_000;
    public const long DayMs = 86_400_000;

    /// <summary>Every grain with its bucket width, in <see cref="RollupGrain"/> order: the one list the batch and the writers loop over.</summary>
    public static readonly (RollupGrain Grain, long StepMs)[] Grains = [(RollupGrain.Minute, MinuteMs), (RollupGrain.Hour, HourMs), (RollupGrain.Day, DayMs)];

    private readonly Dictionary<RollupKey, Totals>[] _byGrain = [[], [], []];

    /// <summary>The newest stored row's time (Unix ms): the writer prunes old minute buckets relative to it.</summary>
    public long NewestMs { get; private set; }

    /// <summary>The batch's additions to one grain's table.</summary>
    public IReadOnlyDictionary<RollupKey, Totals> For(RollupGrain grain) => _byGrain[(int)grain];

    /// <summary>Adds one stored row; <paramref name="keyId"/> is 0 for a call without a virtual key.</summary>
    public void Add(long tsMs, long keyId, string modelGroup, string? deploymentId, int httpStatus,
        long promptTokens, long completionTokens, double cost, double latencyMs)
    {
        var deployment = deploymentId ?? "";
        foreach (var (grain, step) in Grains)
        {
            Accumulate(_byGrain[(int)grain], new RollupKey(tsMs - Mod(tsMs, step), keyId, modelGroup, deployment),
                httpStatus, promptTokens, completionTokens, cost, latencyMs);
        }

        NewestMs = Math.Max(NewestMs, tsMs);
    }

    private static long Mod(long value, long step) => ((value % step) + step) % step;

    private static void Accumulate(Dictionary<RollupKey, Totals> map, RollupKey key, int httpStatus,
        long promptTokens, long completionTokens, double cost, double latencyMs)
    {
        ref var totals = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(map, key, out _);
        totals.Requests++;
        totals.Failures += httpStatus >= 400 ? 1 : 0;
        totals.PromptTokens += promptTokens;
        totals.CompletionTokens += completionTokens;
        totals.Cost += cost;
        totals.LatencyMs += latencyMs;
    }

    /// <summary>A rollup row's identity; the deployment is "" when the call reached none.</summary>
    internal readonly record struct RollupKey(long BucketMs, long KeyId, string ModelGroup, string DeploymentId);

    internal struct Totals
    {
        public long Requests;
        public long Failures;
        public long PromptTokens;
        public long CompletionTokens;
        public double Cost;
        public double LatencyMs;
    }
}
