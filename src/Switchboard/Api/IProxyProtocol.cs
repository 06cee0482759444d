using Microsoft.AspNetCore.Http;
using Switchboard.Routing;
using Switchboard.Upstream;

namespace Switchboard.Api;

/// <summary>
/// The protocol half of one proxied call: how to build the upstream request for a chosen deployment and how to
/// relay its successful answer to the client. The attempt loop owns everything else (routing, retries, errors).
/// </summary>
internal interface IProxyProtocol
{
    ClientApi Api { get; }

    /// <summary>True when the client asked for a stream.</summary>
    bool Stream { get; }

    UpstreamRequest BuildRequest(Deployment deployment);

    ValueTask<RelayResult> RelayAsync(HttpContext context, Deployment deployment, UpstreamResponse response, CallState call, CancellationToken ct);

    /// <summary>Ends a stream that broke after bytes reached the client, in the client's protocol.</summary>
    Task WriteMidStreamErrorAsync(HttpContext context, string message, CancellationToken ct);

    /// <summary>
    /// The call's attempts are over (relay and mid-stream error included): a pooled object goes back to its pool and must
    /// not be used again. Nothing for the others.
    /// </summary>
    void Return()
    {
    }
}
