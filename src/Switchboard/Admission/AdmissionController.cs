using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Switchboard.Auth;
using Switchboard.Storage;

namespace Switchboard.Admission;

/// <summary>
/// Per virtual key: blocked, expiry, allowed models, budget (with periodic reset), rpm and tpm over a sliding minute,
/// and parallel requests. Spend is kept in memory and counts the moment a call completes (design decision 5);
/// the usage sink brings the store up to date in batches. Open-mode and master callers are never limited.
/// </summary>
/// <remarks>Counters are per instance; with Redis, <see cref="Shared"/> counts the limits a key has across every instance too
/// (architecture decision 6), checked before the local ones.</remarks>
internal sealed class AdmissionController(IGatewayStore store, TimeProvider time, ILogger<AdmissionController> logger)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, KeyState> _states = new(StringComparer.Ordinal);

    /// <summary>The other instances' counters; <see cref="LocalKeyLimits"/> when there are none.</summary>
    internal ISharedKeyLimits Shared { get; set; } = LocalKeyLimits.Instance;

    /// <summary>
    /// Decides whether <paramref name="caller"/> may call <paramref name="modelGroup"/> now. <paramref name="minimumCost"/>
    /// is this call's least possible cost (refused if it would pass the budget); <paramref name="estimatedTokens"/> counts
    /// against tpm. Completes synchronously except when a budget period ends and the reset is written to the store.
    /// </summary>
    public async ValueTask<AdmissionResult> AdmitAsync(
        Caller caller, string modelGroup, CancellationToken cancellationToken, double minimumCost = 0, long estimatedTokens = 0)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(modelGroup);
        if (caller.Kind != CallerKind.VirtualKey || caller.Key is not { } key)
        {
            return new AdmissionResult { Lease = new AdmissionLease(null, caller.KeyHash, trackTokens: false) };
        }

        var now = time.GetUtcNow();
        if (CheckAccess(key, modelGroup, now) is { } refused)
        {
            return refused;
        }

        var name = key.KeyAlias ?? key.KeyPreview;

        // Static factory with an argument: a capturing lambda would allocate a closure on every call, found or not.
        var state = _states.GetOrAdd(key.KeyHash, static (_, k) => new KeyState(k.Spend, k.BudgetResetAt, k.BudgetDuration), key);
        DateTimeOffset? resetToStore = null;
        AdmissionResult result;
        var shared = Shared;
        if (shared.Shares(key))
        {
            return await AdmitSharedAsync(shared, state, key, name, now, minimumCost, estimatedTokens, cancellationToken);
        }

        lock (state.Gate)
        {
            resetToStore = RollBudget(state, key, now, name);
            result = Check(state, key, name, now, minimumCost, estimatedTokens);
        }

        await WriteResetAsync(key, name, resetToStore, cancellationToken);
        return result;
    }

    /// <summary>
    /// What <see cref="AdmitAsync"/> refuses before any limit is counted: a blocked or expired key, a model group the key
    /// may not use; null when none applies. For calls answered locally (count_tokens), which count against no limit.
    /// </summary>
    public AdmissionResult? CheckAccess(Caller caller, string modelGroup)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(modelGroup);
        return caller.Kind == CallerKind.VirtualKey && caller.Key is { } key ? CheckAccess(key, modelGroup, time.GetUtcNow()) : null;
    }

    private static AdmissionResult? CheckAccess(VirtualKeyRecord key, string modelGroup, DateTimeOffset now)
    {
        var name = key.KeyAlias ?? key.KeyPreview;
        if (key.Blocked)
        {
            return Refuse(AdmissionRefusal.Blocked, 403,
                $"Key '{name}' is blocked. An admin can unblock it with POST /key/unblock.", null, null);
        }

        if (key.ExpiresAt is { } expires && now >= expires)
        {
            return Refuse(AdmissionRefusal.Expired, 401, $"Key '{name}' expired at {Iso(expires)}.", null, null);
        }

        if (!IsModelAllowed(key.Models, modelGroup))
        {
            return Refuse(AdmissionRefusal.ModelNotAllowed, 403,
                $"Key '{name}' may not use model '{modelGroup}'. Allowed: {string.Join(", ", key.Models)}.", null, null);
        }

        return null;
    }

    /// <summary>The cluster-wide limits first (one Redis round trip), then this instance's (which count no more than the cluster's).</summary>
    private async ValueTask<AdmissionResult> AdmitSharedAsync(
        ISharedKeyLimits shared, KeyState state, VirtualKeyRecord key, string name, DateTimeOffset now, double minimumCost, long estimatedTokens,
        CancellationToken cancellationToken)
    {
        DateTimeOffset? resetToStore;
        double spend;
        long period;
        lock (state.Gate)
        {
            resetToStore = RollBudget(state, key, now, name);
            spend = state.Spend;
            period = state.ResetAt?.ToUnixTimeSeconds() ?? 0;
        }

        await WriteResetAsync(key, name, resetToStore, cancellationToken);
        var verdict = await shared.TryAdmitAsync(key, spend, period, minimumCost, estimatedTokens, cancellationToken);
        AdmissionResult result;
        lock (state.Gate)
        {
            if (verdict.Spend is { } total && total > state.Spend)
            {
                state.Spend = total;
            }

            result = verdict.Refusal is { } refusal
                ? SharedRefusal(refusal, key, name, now, verdict.Wait, state)
                : Check(state, key, name, now, minimumCost, estimatedTokens);
        }

        if (result.Lease is { } lease)
        {
            lease.Shared = shared;
            lease.SharedSlot = verdict.Slot;
            lease.SharedPeriod = period;
        }
        else if (verdict.Slot != 0)
        {
            shared.Release(key.KeyHash, verdict.Slot);
        }

        return result;
    }

    private static AdmissionResult SharedRefusal(AdmissionRefusal refusal, VirtualKeyRecord key, string name, DateTimeOffset now, TimeSpan wait, KeyState state) =>
        refusal switch
        {
            AdmissionRefusal.RpmLimit => Refuse(refusal, 429,
                $"Rate limit reached for key '{name}': rpm_limit {key.RpmLimit} requests per minute (across all instances). Next slot in {Seconds(wait)} s (at {Iso(now + wait)}).",
                wait, now + wait),
            AdmissionRefusal.TpmLimit => Refuse(refusal, 429,
                $"Token limit reached for key '{name}': tpm_limit {key.TpmLimit} tokens per minute (across all instances). Enough frees up in {Seconds(wait)} s (at {Iso(now + wait)}).",
                wait, now + wait),
            AdmissionRefusal.ParallelLimit => Refuse(refusal, 429,
                $"Parallel request limit reached for key '{name}': max_parallel_requests {key.MaxParallelRequests} (across all instances). A slot frees when a running call ends.",
                TimeSpan.FromSeconds(1), null),
            _ => Refuse(AdmissionRefusal.BudgetExceeded, 400,
                $"Budget has been exceeded for key '{name}': spend {Money(state.Spend)}, max_budget {Money(key.MaxBudget ?? 0)} (across all instances)." +
                (state.ResetAt is { } reset ? $" It resets at {Iso(reset)} (budget_duration {state.Duration})." : " It does not reset: raise max_budget with POST /key/update."),
                state.ResetAt is { } r ? r - now : null, state.ResetAt),
        };

    private async ValueTask WriteResetAsync(VirtualKeyRecord key, string name, DateTimeOffset? resetToStore, CancellationToken cancellationToken)
    {
        if (resetToStore is { } next)
        {
            try
            {
                await store.ResetSpendAsync(key.KeyHash, next, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.BudgetResetWriteFailed(logger, name, e);
            }
        }
    }

    /// <summary>Records a finished call: its cost counts towards the budget at once, its tokens towards tpm. Once per lease.</summary>
    public void Complete(AdmissionLease lease, long tokens, double cost)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease.State is not { } state || !lease.TryMarkCompleted())
        {
            return;
        }

        lease.Shared?.Record(lease.KeyHash!, lease.SharedPeriod, tokens, Math.Max(cost, 0), lease.TrackTokens);
        lock (state.Gate)
        {
            state.Spend += Math.Max(cost, 0);
            if (lease.TrackTokens && tokens > 0)
            {
                state.Tokens.Enqueue((time.GetTimestamp(), tokens));
                state.TokensInWindow += tokens;
            }
        }
    }

    /// <summary>The live spend of a key this instance has seen (for key info and <c>x-litellm-key-spend</c>), else null.</summary>
    public double? GetSpend(string keyHash)
    {
        if (!_states.TryGetValue(keyHash, out var state))
        {
            return null;
        }

        lock (state.Gate)
        {
            return state.Spend;
        }
    }

    /// <summary>The in-memory next budget reset, else null.</summary>
    public DateTimeOffset? GetBudgetResetAt(string keyHash)
    {
        if (!_states.TryGetValue(keyHash, out var state))
        {
            return null;
        }

        lock (state.Gate)
        {
            return state.ResetAt;
        }
    }

    /// <summary>After a delete: drop the key's counters.</summary>
    public void Forget(string keyHash) => _states.TryRemove(keyHash, out _);

    /// <summary>After a regenerate: the counters (spend, windows) follow the key to its new hash.</summary>
    public void MoveKey(string oldHash, string newHash)
    {
        if (_states.TryRemove(oldHash, out var state))
        {
            _states[newHash] = state;
        }
    }

    /// <summary>Empty, <c>*</c> or <c>all-proxy-models</c> allow every group; <c>glm-*</c> allows by prefix.</summary>
    public static bool IsModelAllowed(IReadOnlyList<string> allowed, string modelGroup)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        if (allowed.Count == 0)
        {
            return true;
        }

        foreach (var entry in allowed)
        {
            if (entry is "*" or "all-proxy-models" || string.Equals(entry, modelGroup, StringComparison.Ordinal) ||
                (entry.EndsWith('*') && modelGroup.StartsWith(entry[..^1], StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Ends a budget period that is over; returns the next reset time when the store must hear of it.</summary>
    private DateTimeOffset? RollBudget(KeyState state, VirtualKeyRecord key, DateTimeOffset now, string name)
    {
        if (state.Duration != key.BudgetDuration)
        {
            // budget_duration changed by /key/update: take the stored reset time, or start a period now.
            state.Duration = key.BudgetDuration;
            state.ResetAt = key.BudgetResetAt;
        }

        if (state.Duration is null)
        {
            return null;
        }

        if (!DurationText.TryParse(state.Duration, out var period))
        {
            Log.BadBudgetDuration(logger, name, state.Duration);
            state.Duration = null;
            return null;
        }

        if (state.ResetAt is null)
        {
            // Keys made through /key/generate or /key/update always carry a reset time; this only starts the clock.
            state.ResetAt = now + period;
            return null;
        }

        if (now < state.ResetAt)
        {
            return null;
        }

        state.Spend = 0;
        state.ResetAt = now + period;
        Log.BudgetReset(logger, name, state.ResetAt.Value);
        return state.ResetAt;
    }

    private AdmissionResult Check(KeyState state, VirtualKeyRecord key, string name, DateTimeOffset now, double minimumCost, long estimatedTokens)
    {
        if (key.MaxBudget is { } max && (state.Spend >= max || state.Spend + minimumCost > max))
        {
            var when = state.ResetAt is { } reset
                ? $"It resets at {Iso(reset)} (budget_duration {state.Duration})."
                : "It does not reset: raise max_budget with POST /key/update.";
            return Refuse(AdmissionRefusal.BudgetExceeded, 400,
                $"Budget has been exceeded for key '{name}': spend {Money(state.Spend)}, max_budget {Money(max)}. {when}",
                state.ResetAt is { } r ? r - now : null, state.ResetAt);
        }

        var stamp = time.GetTimestamp();
        Prune(state, stamp);
        if (key.RpmLimit is { } rpm && state.Requests.Count >= rpm)
        {
            var wait = Window - time.GetElapsedTime(state.Requests.Peek(), stamp);
            return Refuse(AdmissionRefusal.RpmLimit, 429,
                $"Rate limit reached for key '{name}': rpm_limit {rpm} requests per minute. Next slot in {Seconds(wait)} s (at {Iso(now + wait)}).",
                wait, now + wait);
        }

        if (key.TpmLimit is { } tpm && (state.TokensInWindow >= tpm || state.TokensInWindow + estimatedTokens > tpm))
        {
            var wait = TokensFreeIn(state, stamp, tpm - estimatedTokens);
            return Refuse(AdmissionRefusal.TpmLimit, 429,
                $"Token limit reached for key '{name}': tpm_limit {tpm} tokens per minute, {state.TokensInWindow} used in the last minute. " +
                $"Enough frees up in {Seconds(wait)} s (at {Iso(now + wait)}).",
                wait, now + wait);
        }

        if (key.MaxParallelRequests is { } parallel && state.InFlight >= parallel)
        {
            return Refuse(AdmissionRefusal.ParallelLimit, 429,
                $"Parallel request limit reached for key '{name}': max_parallel_requests {parallel}. A slot frees when a running call ends.",
                TimeSpan.FromSeconds(1), null);
        }

        if (key.RpmLimit is not null)
        {
            state.Requests.Enqueue(stamp);
        }

        state.InFlight++;
        return new AdmissionResult { Lease = new AdmissionLease(state, key.KeyHash, trackTokens: key.TpmLimit is not null) };
    }

    private void Prune(KeyState state, long stamp)
    {
        while (state.Requests.Count > 0 && time.GetElapsedTime(state.Requests.Peek(), stamp) >= Window)
        {
            state.Requests.Dequeue();
        }

        while (state.Tokens.Count > 0 && time.GetElapsedTime(state.Tokens.Peek().At, stamp) >= Window)
        {
            state.TokensInWindow -= state.Tokens.Dequeue().Tokens;
        }
    }

    /// <summary>How long until the tokens left in the window drop below <paramref name="target"/>.</summary>
    private TimeSpan TokensFreeIn(KeyState state, long stamp, long target)
    {
        var remaining = state.TokensInWindow;
        foreach (var (at, tokens) in state.Tokens)
        {
            remaining -= tokens;
            if (remaining < Math.Max(target, 1))
            {
                return Window - time.GetElapsedTime(at, stamp);
            }
        }

        return Window;
    }

    private static AdmissionResult Refuse(AdmissionRefusal refusal, int status, string message, TimeSpan? retryAfter, DateTimeOffset? resetsAt) =>
        new() { Refusal = refusal, StatusCode = status, Message = message, RetryAfter = retryAfter, ResetsAt = resetsAt };

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Money(double usd) => "$" + usd.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan wait) => Math.Max(1, Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
