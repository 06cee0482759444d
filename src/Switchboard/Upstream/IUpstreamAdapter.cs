using Switchboard.Config;

namespace Switchboard.Upstream;

/// <summary>Sends one attempt to one deployment. Implementations never retry: the router's attempt loop does.</summary>
internal interface IUpstreamAdapter
{
    ValueTask<UpstreamResponse> SendAsync(DeploymentConfig deployment, UpstreamRequest request, CancellationToken ct);
}
