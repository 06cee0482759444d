using Switchboard.Config;
using Switchboard.Upstream;

namespace Switchboard.Routing;

/// <summary>
/// One deployment (one key at one endpoint) with its runtime state. The config part is immutable; the state changes
/// only under the owning <see cref="ModelGroup.Gate"/>.
/// </summary>
internal sealed class Deployment
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    internal Deployment(DeploymentConfig config, string group, int index)
    {
        Config = config;
        Group = group;
        Index = index;
        MaskedKey = Observability.KeyMask.Mask(config.ApiKey);
    }

    /// <summary>Replaced only by a config reload that keeps this deployment, with equal parameters (<see cref="Router.Reload"/>).</summary>
    public DeploymentConfig Config { get; internal set; }

    public string Id => Config.Id;

    public string Group { get; }

    /// <summary>Position in the group, for stable tie-breaking.</summary>
    internal int Index { get; set; }

    internal string MaskedKey { get; }

    internal int InFlight { get; set; }

    internal DateTimeOffset? CooldownUntil { get; set; }

    internal string? CooldownReason { get; set; }

    internal FailureKind? CooldownKind { get; set; }

    internal bool Disabled { get; set; }

    /// <summary>Another instance holds every cluster-wide slot (architecture decision 6); cleared when one is freed.</summary>
    internal bool SharedSlotsFull { get; set; }

    internal string? DisabledReason { get; set; }

    /// <summary>Null after a success: "every key's last answer was overloaded" needs the last outcome, not history.</summary>
    internal FailureKind? LastFailureKind { get; set; }

    /// <summary>Consecutive backoff-style failures (Z.ai 1303/1305, overloaded); reset by a success.</summary>
    internal int BackoffStreak { get; set; }

    /// <summary>Times of 5xx/timeout/connection failures within the last 60 s (a sliding window).</summary>
    internal Queue<DateTimeOffset> RecentFails { get; } = new();

    /// <summary>The upstream's learned requests per window (docs/pool-efficiency.md).</summary>
    internal LimitEstimator Limits { get; set; } = new();

    /// <summary><c>adaptive_limits</c>: calls are paced to <see cref="Limits"/>.</summary>
    internal bool Paced { get; set; }

    internal UsageCounters Total { get; } = new();

    internal UsageCounters CurrentMinute { get; } = new();

    internal DateTimeOffset MinuteStart { get; private set; }

    internal SampleRing Latency { get; } = new();

    internal SampleRing Ttft { get; } = new();

    internal string? LastError { get; set; }

    internal DateTimeOffset? LastErrorAt { get; set; }

    /// <summary>
    /// At <c>max_parallel_requests</c>, or (paced) at the learned concurrency or with a probe of whether a refused key's
    /// window has reset in flight. The configured cap stays a hard cap: the learned one only ever adds a restriction.
    /// </summary>
    internal bool AtParallelCap =>
        (Config.MaxParallelRequests is { } max && InFlight >= max)
        || (Paced && InFlight > 0 && (Limits.Probing || (Limits.Concurrency is { } learned && InFlight >= learned)));

    internal bool IsCooling(DateTimeOffset now) => CooldownUntil is { } until && until > now;

    /// <summary>Starts a new fixed, UTC-aligned minute for the rpm/tpm windows when the clock has moved on.</summary>
    internal void RollMinute(DateTimeOffset now)
    {
        var start = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % Minute.Ticks), TimeSpan.Zero);
        if (start != MinuteStart)
        {
            MinuteStart = start;
            CurrentMinute.Reset();
        }
    }

    /// <summary>When an rpm/tpm cap reached in this minute lifts (the next minute), or null when not capped.</summary>
    internal DateTimeOffset? CapRecovery(DateTimeOffset now, int estimatedTokens)
    {
        RollMinute(now);
        var rpmCapped = Config.Rpm is { } rpm && CurrentMinute.Requests >= rpm;
        var used = CurrentMinute.TokensIn + CurrentMinute.TokensOut;

        // With nothing used yet a call is let through even if its estimate alone exceeds tpm: it could never run otherwise.
        var tpmCapped = Config.Tpm is { } tpm && used > 0 && used + Math.Max(estimatedTokens, 0) > tpm;
        return rpmCapped || tpmCapped ? MinuteStart + Minute : null;
    }

    /// <summary>When this deployment can take a call again (cooldown end, next minute, next learned window), or null when it can now.</summary>
    internal DateTimeOffset? Recovery(DateTimeOffset now, int estimatedTokens)
    {
        var capped = CapRecovery(now, estimatedTokens);
        if (Paced && Limits.BlockedUntil(now) is { } paced && (capped is null || paced > capped))
        {
            capped = paced;
        }

        if (IsCooling(now))
        {
            return capped is { } c && c > CooldownUntil!.Value ? c : CooldownUntil;
        }

        return capped;
    }
}
