using System.CommandLine;

namespace Switchboard.Cli;

/// <summary>
/// <c>switchboard deployments enable ID</c>: brings back a deployment whose key a 401/403 took out, on a running gateway
/// (<c>POST /deployment/{id}/enable</c> with the master key).
/// </summary>
internal static class DeploymentsCommand
{
    public static Command Build(TextWriter output, TextWriter errors)
    {
        var url = new Option<string?>("--url") { Description = "Gateway URL (default: $LITELLM_PROXY_URL, else http://localhost:$LITELLM_PORT)" };
        var masterKey = new Option<string?>("--master-key") { Description = "Master key (default: $LITELLM_MASTER_KEY)" };
        var id = new Argument<string>("id") { Description = "The deployment's id, as shown by switchboard status" };
        var enable = new Command("enable", "Enable a deployment whose key was disabled after a 401/403 (until now: until the config was reloaded).")
        {
            id, url, masterKey,
        };
        enable.SetAction((parse, ct) => EnableAsync(
            parse.GetValue(url) ?? SwitchboardCli.DefaultUrl(),
            parse.GetValue(masterKey) ?? Environment.GetEnvironmentVariable("LITELLM_MASTER_KEY"),
            parse.GetValue(id)!, output, errors, ct));
        return new Command("deployments", "Manage the deployments of a running gateway.") { enable };
    }

    public static async Task<int> EnableAsync(string url, string? masterKey, string id, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var path = "/deployment/" + Uri.EscapeDataString(id) + "/enable";
            if (await GatewayRequest.SendAsync(client, HttpMethod.Post, url, path, masterKey, errors, ct) is not { } body)
            {
                return 1;
            }

            var wasDisabled = body.AsSpan().IndexOf("\"was_disabled\":true"u8) >= 0;
            await output.WriteLineAsync(wasDisabled ? $"deployment {id} enabled" : $"deployment {id} was not disabled; nothing changed");
            return 0;
        }
        catch (HttpRequestException ex)
        {
            await errors.WriteLineAsync($"error: no gateway answering at {url}: {ex.Message}");
            return 1;
        }
    }
}
