using System.Globalization;
using StackExchange.Redis;

namespace Switchboard.Cluster;

/// <summary>
/// The names of every Redis key the gateway shares. The keys of one deployment carry the hash tag <c>{dep:ID}</c> and
/// those of one virtual key <c>{key:HASH}</c>, so that every script, which only ever touches one deployment's or one
/// key's keys, has all its keys in one hash slot and runs on Redis Cluster.
/// </summary>
internal static class ClusterKeys
{
    /// <summary>Running cooldowns, one hash field per deployment id (a single key: any slot).</summary>
    public static readonly RedisKey Cooldowns = "switchboard:cooldowns";

    /// <summary>Disabled keys, one hash field per deployment id.</summary>
    public static readonly RedisKey Disabled = "switchboard:disabled";

    /// <summary>A deployment's concurrency leases (sorted set by expiry).</summary>
    public static RedisKey DeploymentSlots(string id) => "switchboard:{dep:" + id + "}:slots";

    /// <summary>A deployment's rpm or tpm counter of one calendar minute (<paramref name="what"/>: rpm, tpm).</summary>
    public static RedisKey DeploymentWindow(string id, string what, long minute) =>
        "switchboard:{dep:" + id + "}:" + what + ":" + minute.ToString(CultureInfo.InvariantCulture);

    /// <summary>A virtual key's sliding window or leases (<paramref name="what"/>: rpm, tokens, parallel).</summary>
    public static RedisKey Key(string hash, string what) => "switchboard:{key:" + hash + "}:" + what;

    /// <summary>A virtual key's spend in one budget period.</summary>
    public static RedisKey KeySpend(string hash, long period) =>
        "switchboard:{key:" + hash + "}:spend:" + period.ToString(CultureInfo.InvariantCulture);
}
