using Microsoft.Extensions.Logging;
using Switchboard.Admission;
using Switchboard.Auth;
using Switchboard.Cluster;
using Switchboard.Config;
using Switchboard.Models;
using Switchboard.Observability;
using Switchboard.Routing;
using Switchboard.Storage;
using Switchboard.Upstream;
using Switchboard.Usage;

namespace Switchboard.Api;

/// <summary>The gateway's long-lived parts, built once from a config snapshot.</summary>
internal sealed class GatewayServices : IDisposable
{
    public GatewayServices(GatewayConfig config, TimeProvider time, ILoggerFactory loggers, IGatewayStore store, UsageSink usage)
    {
        _config = config;
        _fileConfig = config;
        _secrets = ConfigSecrets.RedactorFor(config);
        Time = time;
        Router = new Router(config, time, loggers.CreateLogger<Router>());
        Http = new HttpUpstreamAdapter();
        Mock = new MockUpstreamAdapter(time);
        Logger = loggers.CreateLogger(LogCategory);
        Store = store;
        UsageSink = usage;
        Auth = new AuthService(config.General.MasterKey, store, time, loggers.CreateLogger<AuthService>());
        Reload = new ConfigReload(this, loggers.CreateLogger<ConfigReload>());
        Cache = CacheStep.Create(config, time, Logger);
        Admission = new AdmissionController(store, time, loggers.CreateLogger<AdmissionController>());
        Shared = SharedState.Create(config, time, loggers);
        Shared.Attach(Router, Admission, Auth);
        Models = new ModelRegistry(store, config, time, loggers.CreateLogger("Switchboard.Models")) { Changed = () => Apply(_fileConfig) };
        Shared.AttachModels(Models);

        Telemetry = new Telemetry.GatewayTelemetry(config.General.DisableMetrics ? null : new Telemetry.GatewayMetrics(Router, usage, Admission.GetSpend, time)
        {
            CacheCounts = Cache is { } cache ? () => (cache.Hits, cache.Misses) : null,
        }, time);
        if (config.Router.DisabledProbeInterval is { } probeInterval)
        {
            Probe = new DisabledKeyProbe(Router, probeInterval, time, (d, ct) => KeyProbe.SendAsync(AdapterFor(d.Config), d.Config, time, ct));
        }
    }

    /// <summary>The category of <see cref="Logger"/> (the request line's).</summary>
    internal const string LogCategory = "Switchboard.Api";

    private readonly Lock _applyGate = new();
    private volatile GatewayConfig _config;

    /// <summary>The config as the file says it; <see cref="Config"/> is it merged with the stored deployments.</summary>
    private volatile GatewayConfig _fileConfig;
    private volatile SecretRedactor _secrets;

    /// <summary>The request line's direct writer (architecture decision 14); null when it goes through <see cref="Logger"/>.</summary>
    public RequestLog? RequestLog { get; init; }

    /// <summary>The config snapshot in force: read it per call, a reload replaces it (<see cref="ConfigReload"/>).</summary>
    public GatewayConfig Config => _config;

    /// <summary>Masks every configured secret in text bound for clients, logs and admin answers (architecture decision 8).</summary>
    public SecretRedactor Secrets => _secrets;

    /// <summary>The response cache (<c>litellm_settings.cache: true</c>), or null when caching is off.</summary>
    public Switchboard.Cache.ResponseCache? Cache { get; }

    /// <summary>The reload of the config file (watcher, SIGHUP, <c>POST /config/reload</c>).</summary>
    public ConfigReload Reload { get; }

    /// <summary>
    /// Swaps in a validated snapshot: secrets first (old and new keys stay masked while old calls drain), then the
    /// router's tables, then the snapshot that per-call settings are read from.
    /// </summary>
    internal ReloadSummary Apply(GatewayConfig fileConfig)
    {
        lock (_applyGate)
        {
            // The effective config: the file's deployments plus those stored in the database (store_model_in_db).
            _fileConfig = fileConfig;
            var config = Models.Merge(fileConfig);
            _secrets = new SecretRedactor(ConfigSecrets.Of(_config).Concat(ConfigSecrets.Of(config)));
            var summary = Router.Reload(config);
            _config = config;
            return summary;
        }
    }

    /// <summary>Deployments stored in the database (<c>store_model_in_db</c>), merged into <see cref="Config"/> by <see cref="Apply"/>.</summary>
    public ModelRegistry Models { get; }
    public TimeProvider Time { get; }
    public Router Router { get; }
    public HttpUpstreamAdapter Http { get; }
    public MockUpstreamAdapter Mock { get; }
    public ILogger Logger { get; }
    public IGatewayStore Store { get; }
    public UsageSink UsageSink { get; }
    public AuthService Auth { get; }
    public AdmissionController Admission { get; }

    /// <summary>State shared with other instances through Redis (architecture decision 6); <see cref="SharedState.Connected"/> is the health flag.</summary>
    public SharedState Shared { get; }

    /// <summary>Prometheus metrics and OpenTelemetry spans of the proxy path (one hook per place).</summary>
    public Telemetry.GatewayTelemetry Telemetry { get; }

    /// <summary>Tries keys disabled by 401/403 again every <c>disabled_probe_interval</c>; null when that is off.</summary>
    public DisabledKeyProbe? Probe { get; }

    /// <summary>Calls in flight, so that shutdown waits for their usage records (one per host; tests may leave the default).</summary>
    public CallTracker Calls { get; init; } = new(TimeProvider.System);

    public IUpstreamAdapter AdapterFor(DeploymentConfig deployment) =>
        deployment.Provider == Providers.Mock ? Mock : Http;

    public void Dispose()
    {
        Reload.Dispose();
        Models.Dispose();
        (Cache?.Backend as IDisposable)?.Dispose();
        Probe?.Dispose();
        Router.Dispose();
        Shared.Dispose();
        Http.Dispose();
    }
}
