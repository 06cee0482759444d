using Microsoft.Extensions.Logging;
using Switchboard.Config;
using Switchboard.Upstream;

namespace Switchboard.Routing;

/// <summary>
/// Picks deployments for model groups and keeps their health: cooldowns, disabled keys, concurrency slots, rpm/tpm
/// windows, latency and usage. One instance per config snapshot; a reload builds a new one.
/// </summary>
internal sealed partial class Router : IDisposable
{
    /// <summary>Sessions remembered per group for session affinity.</summary>
    internal const int SessionCapacity = 10_000;

    /// <summary>Retry-After values above this are not waited for: the caller is better told to come back.</summary>
    internal static readonly TimeSpan MaxHonouredRetryAfter = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan BackoffBase = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan BackoffCap = TimeSpan.FromSeconds(8);

    private readonly TimeProvider _time;
    private readonly ILogger<Router> _logger;
    private readonly Random _random;

    /// <summary>The config snapshot with its groups, swapped whole by <see cref="Reload"/>; read once per use.</summary>
    private volatile RouterTables _tables;
    private bool _disposed;

    public Router(GatewayConfig config, TimeProvider time, ILogger<Router> logger, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _random = random ?? Random.Shared;

        var groups = new List<ModelGroup>();
        foreach (var name in config.ModelGroups)
        {
            var members = config.ModelList.Where(d => string.Equals(d.ModelName, name, StringComparison.Ordinal)).ToList();
            var deployments = members.Select((d, i) => new Deployment(d, name, i) { Paced = config.Router.AdaptiveLimits }).ToArray();
            groups.Add(new ModelGroup(name, deployments, RoutingStrategies.Create(config.Router, _random), SessionCapacity));
        }

        _tables = new RouterTables(config, groups);
    }

    /// <summary>One group per distinct <c>model_name</c>, in config order (of the config in force).</summary>
    public IReadOnlyList<ModelGroup> Groups => _tables.Groups;

    /// <summary>The config snapshot in force; a reload replaces it.</summary>
    public GatewayConfig Config => _tables.Config;

    /// <summary>The other instances (architecture decision 6); <see cref="LocalRouterState"/> when there are none.</summary>
    internal ISharedRouterState Shared { get; set; } = LocalRouterState.Instance;

    private RouterSettings Settings => _tables.Config.Router;

    /// <summary>
    /// <c>model_group_alias</c> first, then an exact group name, then the most specific matching wildcard group
    /// (longest literal text; config order breaks ties). Alias targets are resolved the same way, so they may name wildcards.
    /// </summary>
    public ModelGroup? ResolveGroup(string requestedModel)
    {
        ArgumentNullException.ThrowIfNull(requestedModel);
        if (Settings.ModelGroupAlias.TryGetValue(requestedModel, out var target) && ResolveName(target) is { } aliased)
        {
            return aliased;
        }

        return ResolveName(requestedModel);
    }

    /// <summary>The group by its exact name (no alias, no wildcard matching).</summary>
    public ModelGroup? GetGroup(string name) => _tables.ByName.GetValueOrDefault(name);

    /// <summary>
    /// The groups to try, in order, when <paramref name="groupName"/> is exhausted: its <c>fallbacks</c> entry (or
    /// <c>context_window_fallbacks</c>), else a <c>*</c> entry, else none.
    /// </summary>
    public IReadOnlyList<string> FallbacksFor(string groupName, bool contextWindow = false)
    {
        var rules = contextWindow ? Settings.ContextWindowFallbacks : Settings.Fallbacks;
        IReadOnlyList<string>? generic = null;
        foreach (var rule in rules)
        {
            if (string.Equals(rule.ModelGroup, groupName, StringComparison.Ordinal))
            {
                return rule.Fallbacks;
            }

            if (rule.ModelGroup == "*")
            {
                generic ??= rule.Fallbacks;
            }
        }

        return generic?.Where(g => !string.Equals(g, groupName, StringComparison.Ordinal)).ToArray() ?? [];
    }

    /// <summary>
    /// How long to wait before another round when every deployment of a group was tried for this call, or null to give
    /// up at once. When the tried deployments all rest until a known time (<paramref name="recoveryIn"/>), the wait is
    /// that rest if <c>wait_for_cooldown_s</c> covers it, else none: a round after a longer wait could only end in the
    /// same 429, later, so the client gets it now with a truthful Retry-After. When one is usable now, the backoff of
    /// <see cref="BackoffDelay"/> applies.
    /// </summary>
    public TimeSpan? NextRoundDelay(int attempt, TimeSpan? recoveryIn, TimeSpan? upstreamRetryAfter) =>
        recoveryIn is { } rest
            ? rest <= Settings.WaitForCooldown ? WholeMilliseconds(rest) : null
            : BackoffDelay(attempt, upstreamRetryAfter);

    /// <summary>
    /// How long to wait before trying again when no untried deployment is left: the upstream's Retry-After when it is at
    /// most 60 s, else exponential backoff (0.5 s × 2^attempt, capped at 8 s) with jitter to between half and all of it.
    /// </summary>
    /// <param name="attempt">0 for the first backoff of a call, then 1, 2…</param>
    /// <param name="retryAfter">The last upstream's Retry-After (or the router's RetryAfter), if any.</param>
    public TimeSpan BackoffDelay(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } ra && ra > TimeSpan.Zero && ra <= MaxHonouredRetryAfter)
        {
            return ra;
        }

        var exp = BackoffBase.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt, 0, 30));
        var capped = Math.Min(exp, BackoffCap.TotalMilliseconds);
        double jitter;
        lock (_random)
        {
            jitter = 0.5 + (_random.NextDouble() * 0.5);
        }

        return TimeSpan.FromMilliseconds(capped * jitter);
    }

    /// <summary>
    /// Further attempts allowed after a failure of <paramref name="kind"/>: the matching <c>retry_policy</c> entry
    /// (LiteLLM's names), else <c>num_retries</c> (router_settings, else litellm_settings, else 2). Client errors: 0.
    /// </summary>
    public int MaxRetriesFor(FailureKind kind)
    {
        if (kind == FailureKind.ClientError)
        {
            return 0;
        }

        var key = kind switch
        {
            FailureKind.RateLimited or FailureKind.ConcurrencyLimited or FailureKind.QuotaExhausted => "RateLimitErrorRetries",
            FailureKind.Timeout => "TimeoutErrorRetries",
            FailureKind.KeyDisabled => "AuthenticationErrorRetries",
            _ => "InternalServerErrorRetries",
        };
        return Settings.RetryPolicy.TryGetValue(key, out var n) ? Math.Max(n, 0) : Math.Max(Config.EffectiveNumRetries, 0);
    }

    /// <summary>Logs one retry line: from which deployment to which (or "backoff" when none is chosen yet), and why.</summary>
    public void LogRetry(Deployment from, Deployment? to, string reason)
    {
        ArgumentNullException.ThrowIfNull(from);
        Log.Retrying(_logger, from.Group, from.Id, to?.Id ?? "(after backoff)", reason);
    }

    /// <summary>Fails every queued waiter; leases already handed out stay valid until disposed.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var group in Groups)
        {
            lock (group.Gate)
            {
                foreach (var waiter in group.Waiters)
                {
                    waiter.Handoff.TrySetException(new ObjectDisposedException(nameof(Router)));
                }

                group.Waiters.Clear();
            }
        }
    }

    private ModelGroup? ResolveName(string name)
    {
        var tables = _tables;
        if (tables.ByName.TryGetValue(name, out var exact))
        {
            return exact;
        }

        ModelGroup? best = null;
        foreach (var g in tables.Wildcards)
        {
            if ((best is null || g.LiteralLength > best.LiteralLength) && Wildcard.IsMatch(g.Name, name))
            {
                best = g;
            }
        }

        return best;
    }
}
