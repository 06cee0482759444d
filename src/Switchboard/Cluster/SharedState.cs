using Microsoft.Extensions.Logging;
using Switchboard.Admission;
using Switchboard.Auth;
using Switchboard.Config;
using Switchboard.Models;
using Switchboard.Routing;

namespace Switchboard.Cluster;

/// <summary>
/// What several gateway instances share (architecture decision 6): without Redis in the config nothing, and the router,
/// admission and auth keep their own state exactly as one instance does; with Redis, cooldowns, disabled keys, cluster-wide
/// caps and windows, key limits and auth invalidations. Redis away: every instance goes on alone, <see cref="Connected"/>
/// says so, and the state merges back when it returns.
/// </summary>
internal sealed class SharedState : IDisposable
{
    /// <summary>Default life of a lease in Redis; renewed every third of it while the call runs.</summary>
    public static readonly TimeSpan DefaultLeaseTtl = TimeSpan.FromSeconds(30);

    private readonly RedisLink? _link;
    private readonly RedisRouterState? _router;
    private AuthService? _auth;
    private ModelRegistry? _models;

    private SharedState(RedisLink? link, RedisRouterState? router, ISharedKeyLimits keyLimits, IAuthPeers authPeers)
    {
        _link = link;
        _router = router;
        KeyLimits = keyLimits;
        AuthPeers = authPeers;
    }

    /// <summary>Redis is configured (whether or not it answers now).</summary>
    public bool IsShared => _link is not null;

    /// <summary>
    /// Redis answers now; false while it is away (and always without Redis). For /health and metrics: an instance that
    /// is shared but not connected is running on its own state.
    /// </summary>
    public bool Connected => _link?.Connected ?? false;

    /// <summary>host:port of the Redis (no password), or null without one.</summary>
    public string? Endpoint => _link?.Endpoint;

    public ISharedKeyLimits KeyLimits { get; }

    public IAuthPeers AuthPeers { get; }

    /// <summary>From the config's Redis settings (and the environment's <c>REDIS_*</c>); local when there are none.</summary>
    public static SharedState Create(GatewayConfig config, TimeProvider time, ILoggerFactory loggers, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggers);
        var options = RedisSettings.Resolve(config.Router, environment ?? Environment.GetEnvironmentVariable);
        if (options is null)
        {
            return new SharedState(null, null, LocalKeyLimits.Instance, LocalAuthPeers.Instance);
        }

        var logger = loggers.CreateLogger("Switchboard.Cluster");
        var link = new RedisLink(options, logger);
        var leases = new LeaseBook(link, time, config.Router.SharedLeaseTtl ?? DefaultLeaseTtl);
        var journal = new OutageJournal(link, leases, time, logger);
        var router = new RedisRouterState(link, leases, journal, time, logger);
        var state = new SharedState(link, router, new RedisKeyLimits(link, leases, journal, time), new RedisAuthPeers(link));
        link.MessageReceived += state.OnMessage;
        link.Restored += () =>
        {
            _ = router.MergeAsync(push: true);
            _ = journal.MergeAsync();
        };
        return state;
    }

    /// <summary>Connects the parts of one gateway (a reloaded config's new router is attached the same way).</summary>
    public void Attach(Router router, AdmissionController admission, AuthService auth)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(admission);
        ArgumentNullException.ThrowIfNull(auth);
        admission.Shared = KeyLimits;
        auth.Peers = AuthPeers;
        _auth = auth;
        _router?.Attach(router);
    }

    /// <summary>Stored deployments (store_model_in_db): a change here is announced, one announced elsewhere reloads them here.</summary>
    public void AttachModels(ModelRegistry models)
    {
        ArgumentNullException.ThrowIfNull(models);
        _models = models;
        if (_link is { } link)
        {
            models.Peers = new RedisModelPeers(link);
        }
    }

    public void Dispose()
    {
        _router?.Dispose();
        _link?.Dispose();
    }

    private void OnMessage(string text)
    {
        var message = ClusterMessage.Decode(text);
        var own = string.Equals(message.Instance, _link!.Instance, StringComparison.Ordinal);
        if (message.Kind == ClusterMessage.KeyChanged)
        {
            if (!own)
            {
                _auth?.InvalidateHere(message.Subject.Length == 0 ? null : message.Subject);
            }

            return;
        }

        if (message.Kind == ClusterMessage.ModelsChanged)
        {
            if (!own)
            {
                _models?.ChangedElsewhere();
            }

            return;
        }

        // A freed slot wakes waiters here too; everything else this instance already applied.
        if (!own || message.Kind == ClusterMessage.SlotFreed)
        {
            _router?.Apply(message);
        }
    }
}
