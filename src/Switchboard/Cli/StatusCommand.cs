using Switchboard.Routing;

namespace Switchboard.Cli;

/// <summary><c>switchboard status</c>: live usage per deployment of a running gateway, as a table.</summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(string url, string? masterKey, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            if (await GatewayRequest.SendAsync(client, HttpMethod.Get, url, "/router/status", masterKey, errors, ct) is not { } body)
            {
                return 1;
            }

            await output.WriteAsync(RouterStatusTable.Format(RouterStatusJson.Read(body)));
            return 0;
        }
        catch (HttpRequestException ex)
        {
            await errors.WriteLineAsync($"error: no gateway answering at {url}: {ex.Message}. Start it with ./scripts/start-litellm-proxy.sh start");
            return 1;
        }
    }
}
