using System.CommandLine;
using System.Text.Json;

namespace Switchboard.Cli;

/// <summary>
/// <c>switchboard reload</c>: a running gateway reads its config file again (<c>POST /config/reload</c> with the master
/// key; SIGHUP does the same without a key). An invalid file is refused and the config in force stays.
/// </summary>
internal static class ReloadCommand
{
    public static Command Build(TextWriter output, TextWriter errors)
    {
        var url = new Option<string?>("--url") { Description = "Gateway URL (default: $LITELLM_PROXY_URL, else http://localhost:$LITELLM_PORT)" };
        var masterKey = new Option<string?>("--master-key") { Description = "Master key (default: $LITELLM_MASTER_KEY)" };
        var reload = new Command("reload", "Make a running gateway reload its config file: unchanged deployments keep their state; an invalid file is refused.")
        {
            url, masterKey,
        };
        reload.SetAction((parse, ct) => RunAsync(
            parse.GetValue(url) ?? SwitchboardCli.DefaultUrl(),
            parse.GetValue(masterKey) ?? Environment.GetEnvironmentVariable("LITELLM_MASTER_KEY"),
            output, errors, ct));
        return reload;
    }

    public static async Task<int> RunAsync(string url, string? masterKey, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            if (await GatewayRequest.SendAsync(client, HttpMethod.Post, url, "/config/reload", masterKey, errors, ct) is not { } body)
            {
                return 1;
            }

            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            await output.WriteLineAsync(
                $"config reloaded: {root.GetProperty("kept").GetInt32()} deployment(s) kept, {root.GetProperty("added").GetInt32()} added, " +
                $"{root.GetProperty("removed").GetInt32()} removed, {root.GetProperty("model_groups").GetInt32()} model group(s)");
            return 0;
        }
        catch (HttpRequestException ex)
        {
            await errors.WriteLineAsync($"error: no gateway answering at {url}: {ex.Message}");
            return 1;
        }
        catch (JsonException)
        {
            await errors.WriteLineAsync($"error: {url} did not answer like a Switchboard gateway");
            return 1;
        }
    }
}
