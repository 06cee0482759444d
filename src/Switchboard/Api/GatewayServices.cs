using Microsoft.Extensions.Logging;
using Switchboard.Admission;
using Switchboard.Auth;
using Switchboard.Config;
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
        Config = config;
        Secrets = ConfigSecrets.RedactorFor(config);
        Time = time;
        Router = new Router(config, time, loggers.CreateLogger<Router>());
        Http = new HttpUpstreamAdapter();
        Mock = new MockUpstreamAdapter(time);
        Logger = loggers.CreateLogger("Switchboard.Api");
        Store = store;
        UsageSink = usage;
        Auth = new AuthService(config.General.MasterKey, store, time, loggers.CreateLogger<AuthService>());
        Admission = new AdmissionController(store, time, loggers.CreateLogger<AdmissionController>());
        Telemetry = new Telemetry.GatewayTelemetry(config.General.DisableMetrics ? null : new Telemetry.GatewayMetrics(Router, usage, Admission.GetSpend, time), time);
        if (config.Router.DisabledProbeInterval is { } probeInterval)
        {
            Probe = new DisabledKeyProbe(Router, probeInterval, time, (d, ct) => KeyProbe.SendAsync(AdapterFor(d.Config), d.Config, time, ct));
        }
    }

    public GatewayConfig Config { get; }

    /// <summary>Masks every configured secret in text bound for clients, logs and admin answers (architecture decision 8).</summary>
    public SecretRedactor Secrets { get; }
    public TimeProvider Time { get; }
    public Router Router { get; }
    public HttpUpstreamAdapter Http { get; }
    public MockUpstreamAdapter Mock { get; }
    public ILogger Logger { get; }
    public IGatewayStore Store { get; }
    public UsageSink UsageSink { get; }
    public AuthService Auth { get; }
    public AdmissionController Admission { get; }

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
        Probe?.Dispose();
        Router.Dispose();
        Http.Dispose();
    }
}
