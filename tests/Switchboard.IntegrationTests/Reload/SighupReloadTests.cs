using System.Text;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Reload;

/// <summary>The gateway as its own process: SIGHUP reloads the config file and does not end the process.</summary>
public sealed class SighupReloadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-sighup-").FullName;
    private GatewayProcess? _gateway;

    /// <param name="underNohup">Started as the start script starts it: through nohup, so SIGHUP is ignored from the start,
    /// and the runtime installs no handler for a signal ignored at start unless the gateway puts the default back first.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sighup_ChangedConfig_ReloadedAndProcessKeepsServing(bool underNohup)
    {
        var port = RepoPaths.FreePort();
        var config = Path.Combine(_dir, "litellm-config.yaml");
        await File.WriteAllTextAsync(config, Config("first-pool"));
        var gateway = _gateway = GatewayProcess.Start(_dir, config, port, underNohup: underNohup);
        using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        await WaitForAsync(async () => await ModelsAsync(client) is { } models && models.Contains("first-pool", StringComparison.Ordinal), gateway);

        await File.WriteAllTextAsync(config, Config("second-pool"));
        await gateway.SignalAsync("HUP");

        await WaitForAsync(() => Task.FromResult(gateway.Output.Contains("(SIGHUP)", StringComparison.Ordinal)), gateway);
        var after = await ModelsAsync(client);
        Assert.Contains("second-pool", after, StringComparison.Ordinal);
        Assert.DoesNotContain("first-pool", after, StringComparison.Ordinal);
        Assert.False(gateway.HasExited, gateway.Output);
        using var call = await client.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"second-pool","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, call.StatusCode);
    }

    public void Dispose()
    {
        _gateway?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Config(string group) => $"""
        model_list:
          - model_name: {group}
            litellm_params:
              model: mock/glm-4.6
              api_key: ok-sighup-1

        """;

    private static async Task<string?> ModelsAsync(HttpClient client)
    {
        try
        {
            return await client.GetStringAsync("/v1/models");
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, GatewayProcess gateway)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("not within 30 s; gateway output:\n" + gateway.Output);
    }
}
