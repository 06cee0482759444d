using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Switchboard.Routing;
using Switchboard.Upstream;

namespace Switchboard.Telemetry;

/// <summary>
/// The one door of the proxy path into metrics and traces: each hook is one call from the endpoint or the attempt loop.
/// <see cref="Metrics"/> is null when <c>disable_metrics</c> is set; spans exist only when an exporter listens.
/// </summary>
internal sealed class GatewayTelemetry(GatewayMetrics? metrics, TimeProvider time)
{
    public GatewayMetrics? Metrics { get; } = metrics;

    public Activity? CallStarted(HttpRequest request)
    {
        Metrics?.CallStarted();
        return GatewayTracing.StartCall(request);
    }

    public void CallEnded(Activity? span, in CallFacts call)
    {
        Metrics?.CallEnded(call);
        GatewayTracing.EndCall(span, call);
    }

    public static Activity? AttemptStarted(Deployment deployment, int retry, UpstreamFailure? previous) =>
        GatewayTracing.StartAttempt(deployment, retry, previous);

    public void AttemptFailed(Activity? span, DeploymentLease lease, string requestedModel, UpstreamFailure failure)
    {
        Metrics?.AttemptFailed(lease, requestedModel, failure);
        GatewayTracing.AttemptFailed(span, lease, failure, time.GetUtcNow());
    }

    public void AttemptServed(Activity? span, DeploymentLease lease, string requestedModel, UpstreamResponse response)
    {
        Metrics?.AttemptServed(lease, requestedModel, response);
        GatewayTracing.AttemptServed(span, response.StatusCode);
    }
}
