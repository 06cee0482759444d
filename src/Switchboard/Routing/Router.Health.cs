using System.Globalization;
using Switchboard.Upstream;

namespace Switchboard.Routing;

internal sealed partial class Router
{
    /// <summary>Z.ai 1302: the account has too many calls in flight; another key is tried at once.</summary>
    internal static readonly TimeSpan ConcurrencyCooldown = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Paced: the first rest of a key that refused for concurrency with nothing else of ours in flight (someone else uses
    /// its account), doubling while it goes on, up to <see cref="ConcurrencyCooldown"/>; any other 1302 only lowers the
    /// learned concurrency.
    /// </summary>
    internal static readonly TimeSpan ConcurrencyAloneRest = TimeSpan.FromMilliseconds(500);

    /// <summary>First step of the doubling cooldown for Z.ai 1303/1305 and overloaded answers.</summary>
    internal static readonly TimeSpan BackoffCooldownStart = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan FailWindow = TimeSpan.FromMinutes(1);

    /// <summary>Records a successful attempt: latency, tokens, and a pre-emptive cooldown when the upstream's headers say its quota is spent.</summary>
    public void ReportSuccess(DeploymentLease lease, AttemptOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var d = lease.Deployment;
        lock (lease.Group.Gate)
        {
            var now = _time.GetUtcNow();
            d.RollMinute(now);
            d.Total.Successes++;
            d.CurrentMinute.Successes++;
            d.Total.TokensIn += outcome.InputTokens;
            d.Total.TokensOut += outcome.OutputTokens;
            d.CurrentMinute.TokensIn += outcome.InputTokens;
            d.CurrentMinute.TokensOut += outcome.OutputTokens;
            d.Latency.Add(outcome.Latency.TotalMilliseconds);
            if (outcome.TimeToFirstToken is { } ttft)
            {
                d.Ttft.Add(ttft.TotalMilliseconds);
            }

            d.LastFailureKind = null;
            d.BackoffStreak = 0;
            var learned = d.Limits.Version;
            d.Limits.OnSuccess(lease.StartedAt, now, outcome.Window);
            if (d.Limits.Version != learned)
            {
                ShareLearnedLocked(lease.Group, d);
            }

            lease.Tokens = outcome.InputTokens + outcome.OutputTokens;
            d.Limits.OnConcurrencySuccess(lease.InFlightAtStart, d.InFlight);
            if (outcome.RateLimit is { } hint && hint.CooldownUntil > now)
            {
                StartCooldownLocked(d, hint.CooldownUntil, FailureKind.RateLimited, hint.Reason, now);
            }
        }
    }

    /// <summary>
    /// Records a failed attempt and changes the deployment's health by its class: rate limits cool down at once,
    /// 5xx/timeouts count towards allowed_fails (sliding 60 s window), key errors disable, client errors change nothing.
    /// </summary>
    public void ReportFailure(DeploymentLease lease, UpstreamFailure failure)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(failure);
        var d = lease.Deployment;
        lock (lease.Group.Gate)
        {
            var now = _time.GetUtcNow();
            d.RollMinute(now);
            d.Total.FailuresByKind[(int)failure.Kind]++;
            d.CurrentMinute.FailuresByKind[(int)failure.Kind]++;
            if (failure.HttpStatus == 429)
            {
                d.Total.Status429++;
                d.CurrentMinute.Status429++;
            }

            d.LastError = Describe(failure);
            d.LastErrorAt = now;
            if (failure.Kind != FailureKind.ClientError)
            {
                d.LastFailureKind = failure.Kind;
            }

            var cooldownTime = d.Config.CooldownTime ?? Settings.CooldownTime;
            var learned = d.Limits.Version;
            var windowReset = failure.Kind == FailureKind.RateLimited ? d.Limits.OnRefused(lease.StartedAt, now, failure.Window) : now;
            if (d.Limits.Version != learned)
            {
                ShareLearnedLocked(lease.Group, d);
            }

            switch (failure.Kind)
            {
                case FailureKind.RateLimited when d.Paced && d.Limits.Successes > 0:
                    // A frequency refusal rests the key until its learned window resets (or as the upstream asked),
                    // not for a fixed cooldown_time (docs/pool-efficiency.md). A key that never answered has shown no
                    // window: it keeps the fixed rest below.
                    StartCooldownLocked(d, Latest(windowReset, now, failure), failure.Kind, d.LastError, now);
                    break;
                case FailureKind.RateLimited when failure.ProviderCode == "1303":
                case FailureKind.Overloaded:
                    d.BackoffStreak++;
                    StartCooldownLocked(d, Latest(now + BackoffCooldown(d.BackoffStreak, cooldownTime), now, failure), failure.Kind, d.LastError, now);
                    break;
                case FailureKind.RateLimited:
                    StartCooldownLocked(d, Latest(now + cooldownTime, now, failure), failure.Kind, d.LastError, now);
                    break;
                case FailureKind.ConcurrencyLimited when d.Paced:
                    // The learned concurrency steers: calls beyond it wait in the fair queue or go to another key
                    // (docs/pool-efficiency.md). Only a key that refused its one call of ours rests, briefly.
                    d.Limits.OnConcurrencyRefused(lease.InFlightAtStart);
                    if (d.Limits.AloneConcurrencyRefusals >= 1)
                    {
                        // 0.5 s, 1 s, 2 s, then the guide's 3 s for a key that keeps refusing its only call.
                        var rest = ConcurrencyAloneRest * (1 << Math.Min(d.Limits.AloneConcurrencyRefusals - 1, 8));
                        StartCooldownLocked(d, Latest(now + (rest < ConcurrencyCooldown ? rest : ConcurrencyCooldown), now, failure),
                            failure.Kind, d.LastError, now);
                    }

                    break;
                case FailureKind.ConcurrencyLimited:
                    d.Limits.OnConcurrencyRefused(lease.InFlightAtStart);
                    StartCooldownLocked(d, Latest(now + ConcurrencyCooldown, now, failure), failure.Kind, d.LastError, now);
                    break;
                case FailureKind.QuotaExhausted:
                    StartCooldownLocked(d, failure.CooldownUntil ?? now + ZaiErrorCodes.UnknownQuotaReset, failure.Kind, d.LastError, now);
                    break;
                case FailureKind.Retryable:
                case FailureKind.Timeout:
                    CountFailLocked(d, failure, cooldownTime, now);
                    break;
                case FailureKind.KeyDisabled:
                    if (!d.Disabled)
                    {
                        d.Disabled = true;
                        d.DisabledReason = d.LastError;
                        Log.KeyDisabled(_logger, d.Id, d.MaskedKey, d.Group, failure.HttpStatus, failure.ProviderCode ?? "-", d.LastError);
                        Shared.Disabled(d, d.LastError);
                    }

                    break;
                case FailureKind.ClientError:
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// The failure was a Z.ai 1302 that taught the learned concurrency rather than told against the call: the upstream
    /// refused it while other calls of ours were in flight on the key (the cap has just been lowered below them), or
    /// refused the key's only call for the first time in a row (most likely our own last call not yet ended upstream).
    /// The attempt loop then tries the call again without spending <c>num_retries</c>: on a key with room, or in the fair
    /// queue for the next free slot, so learning never makes the client pay (docs/pool-efficiency.md).
    /// </summary>
    public static bool IsLearningRefusal(DeploymentLease lease, UpstreamFailure failure)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(failure);
        var d = lease.Deployment;
        if (failure.Kind != FailureKind.ConcurrencyLimited || !d.Paced)
        {
            return false;
        }

        lock (lease.Group.Gate)
        {
            return lease.InFlightAtStart > 1 || d.Limits.AloneConcurrencyRefusals == 1;
        }
    }

    /// <summary>
    /// Brings back a deployment whose key was disabled (401/403): an admin's <c>POST /deployment/{id}/enable</c>, the CLI,
    /// or a successful probe (<c>disabled_probe_interval</c>). Its failure window and cooldown start afresh.
    /// </summary>
    /// <param name="id">The deployment's id (<c>model_info.id</c> or the generated one in /router/status).</param>
    /// <param name="by">Who enabled it, for the log line.</param>
    public EnableResult Enable(string id, string by)
    {
        ArgumentNullException.ThrowIfNull(id);
        foreach (var group in Groups)
        {
            foreach (var d in group.Deployments)
            {
                if (!string.Equals(d.Id, id, StringComparison.Ordinal))
                {
                    continue;
                }

                lock (group.Gate)
                {
                    if (!d.Disabled)
                    {
                        return EnableResult.WasEnabled;
                    }

                    Log.KeyEnabled(_logger, d.Id, d.MaskedKey, d.Group, by, d.DisabledReason ?? "");
                    d.Disabled = false;
                    d.DisabledReason = null;
                    d.RecentFails.Clear();
                    d.CooldownUntil = null;
                    d.CooldownKind = null;
                    d.CooldownReason = null;
                    d.LastFailureKind = null;
                    Shared.Enabled(d);
                    return EnableResult.Enabled;
                }
            }
        }

        return EnableResult.NotFound;
    }

    /// <summary>The deployments whose keys are disabled now, for the probe.</summary>
    public IReadOnlyList<Deployment> DisabledDeployments()
    {
        var list = new List<Deployment>();
        foreach (var group in Groups)
        {
            lock (group.Gate)
            {
                list.AddRange(group.Deployments.Where(d => d.Disabled));
            }
        }

        return list;
    }

    internal void LogProbeFailed(Deployment d, string reason) => Log.ProbeFailed(_logger, d.Id, d.MaskedKey, d.Group, reason);

    /// <summary>
    /// Paced: what <paramref name="from"/> just learned of its window (and its limit, as a seed) goes to its siblings, the
    /// deployments of the same group with the same provider, api_base, upstream model and configured rpm/tpm/
    /// max_parallel_requests: keys of one account type on one upstream are almost always on the same plan, so the pool
    /// pays for learning a window once instead of once per key (docs/pool-efficiency.md, "Siblings").
    /// </summary>
    private static void ShareLearnedLocked(ModelGroup group, Deployment from)
    {
        if (!from.Paced)
        {
            return;
        }

        foreach (var d in group.Deployments)
        {
            if (!ReferenceEquals(d, from) && d.Paced && SameLimitShape(d.Config, from.Config))
            {
                d.Limits.AdoptFrom(from.Limits);
            }
        }
    }

    private static bool SameLimitShape(Switchboard.Config.DeploymentConfig a, Switchboard.Config.DeploymentConfig b) =>
        string.Equals(a.Provider, b.Provider, StringComparison.Ordinal)
        && string.Equals(a.ApiBase, b.ApiBase, StringComparison.Ordinal)
        && string.Equals(a.UpstreamModel, b.UpstreamModel, StringComparison.Ordinal)
        && a.Rpm == b.Rpm && a.Tpm == b.Tpm && a.MaxParallelRequests == b.MaxParallelRequests;

    /// <summary>5 s, 10 s, 20 s… for the n-th consecutive backoff-style failure, never above the deployment's cooldown_time.</summary>
    internal static TimeSpan BackoffCooldown(int streak, TimeSpan cooldownTime)
    {
        var ms = BackoffCooldownStart.TotalMilliseconds * Math.Pow(2, Math.Clamp(streak - 1, 0, 20));
        var cap = Math.Max(cooldownTime.TotalMilliseconds, BackoffCooldownStart.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Min(ms, cap));
    }

    private void CountFailLocked(Deployment d, UpstreamFailure failure, TimeSpan cooldownTime, DateTimeOffset now)
    {
        while (d.RecentFails.TryPeek(out var oldest) && now - oldest >= FailWindow)
        {
            d.RecentFails.Dequeue();
        }

        d.RecentFails.Enqueue(now);
        var allowed = Math.Max(Settings.AllowedFails, 0);
        Log.FailCounted(_logger, d.Id, d.Group, failure.Kind, d.RecentFails.Count, allowed);
        if (d.RecentFails.Count > allowed)
        {
            d.RecentFails.Clear();
            var reason = string.Create(CultureInfo.InvariantCulture, $"more than {allowed} failures in a minute; last: {d.LastError}");
            StartCooldownLocked(d, now + cooldownTime, failure.Kind, reason, now);
        }
    }

    /// <summary>Starts a cooldown or pushes its end later; never shortens one already running.</summary>
    private void StartCooldownLocked(Deployment d, DateTimeOffset until, FailureKind kind, string reason, DateTimeOffset now)
    {
        if (d.CooldownUntil is { } current && current > now && current >= until)
        {
            return;
        }

        d.CooldownUntil = until;
        d.CooldownKind = kind;
        d.CooldownReason = reason;
        Log.CooldownStarted(_logger, d.Id, d.MaskedKey, d.Group, (until - now).TotalSeconds, reason);
        Shared.CooldownStarted(d, until, kind, reason);
    }

    /// <summary>Clears an expired cooldown; the "back" line is logged when a pick first notices, not by a timer.</summary>
    private void EndCooldownIfDueLocked(Deployment d, DateTimeOffset now)
    {
        if (d.CooldownUntil is { } until && until <= now)
        {
            Log.CooldownEnded(_logger, d.Id, d.MaskedKey, d.Group, d.CooldownReason ?? "");
            d.CooldownUntil = null;
            d.CooldownKind = null;
            d.CooldownReason = null;
        }
    }

    private static DateTimeOffset Latest(DateTimeOffset candidate, DateTimeOffset now, UpstreamFailure failure)
    {
        if (failure.RetryAfter is { } ra && now + ra > candidate)
        {
            candidate = now + ra;
        }

        return failure.CooldownUntil is { } until && until > candidate ? until : candidate;
    }

    /// <summary>The error line kept for status and logs: the upstream's text, with every configured key masked should it
    /// echo one (any deployment's, not only this one's: architecture decision 8).</summary>
    private string Describe(UpstreamFailure failure)
    {
        var message = Switchboard.Config.ConfigSecrets.RedactorFor(Config).Redact(failure.Message);

        var status = failure.HttpStatus == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"HTTP {failure.HttpStatus} ");
        var code = failure.ProviderCode is null ? "" : $"[{failure.ProviderCode}] ";
        return $"{failure.Kind}: {status}{code}{message}";
    }
}
