using Microsoft.Extensions.Logging;
using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;

namespace Switchboard.Api;

/// <summary>The gateway's long-lived parts, built once from a config snapshot.</summary>
internal sealed class GatewayServices : IDisposable
{
    public GatewayServices(GatewayConfig config, TimeProvider time, ILoggerFactory loggers)
    {
        Config = config;
        Time = time;
        Router = new Router(config, time, loggers.CreateLogger<Router>());
        Http = new HttpUpstreamAdapter();
        Mock = new MockUpstreamAdapter(time);
        Logger = loggers.CreateLogger("Switchboard.Api");
    }

    public GatewayConfig Config { get; }
    public TimeProvider Time { get; }
    public Router Router { get; }
    public HttpUpstreamAdapter Http { get; }
    public MockUpstreamAdapter Mock { get; }
    public ILogger Logger { get; }

    public IUpstreamAdapter AdapterFor(DeploymentConfig deployment) =>
        deployment.Provider == Providers.Mock ? Mock : Http;

    public void Dispose()
    {
        Router.Dispose();
        Http.Dispose();
    }
}
