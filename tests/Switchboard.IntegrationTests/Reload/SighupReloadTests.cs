using System.Diagnostics;
using System.Globalization;
using System.Text;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Reload;

/// <summary>The gateway as its own process: SIGHUP reloads the config file and does not end the process.</summary>
public sealed class SighupReloadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-sighup-").FullName;
    private Process? _gateway;

    [Fact]
    public async Task Sighup_ChangedConfig_ReloadedAndProcessKeepsServing()
    {
        var port = RepoPaths.FreePort();
        var config = Path.Combine(_dir, "litellm-config.yaml");
        await File.WriteAllTextAsync(config, Config("first-pool"));
        var output = StartGateway(config, port);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        await WaitForAsync(async () => await ModelsAsync(client) is { } models && models.Contains("first-pool", StringComparison.Ordinal), output);

        await File.WriteAllTextAsync(config, Config("second-pool"));
        Signal("HUP");

        await WaitForAsync(() => Task.FromResult(Text(output).Contains("(SIGHUP)", StringComparison.Ordinal)), output);
        var after = await ModelsAsync(client);
        Assert.Contains("second-pool", after, StringComparison.Ordinal);
        Assert.DoesNotContain("first-pool", after, StringComparison.Ordinal);
        Assert.False(_gateway!.HasExited, Text(output));
        using var call = await client.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"second-pool","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, call.StatusCode);
    }

    public void Dispose()
    {
        if (_gateway is { HasExited: false })
        {
            _gateway.Kill();
            _gateway.WaitForExit(10_000);
        }

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

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, StringBuilder output)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("not within 30 s; gateway output:\n" + Text(output));
    }

    private void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _gateway!.Id.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private StringBuilder StartGateway(string config, int port)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "switchboard.dll"), "--config", config, "--port", port.ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        _gateway = Process.Start(info)!;
        var output = new StringBuilder();
        _gateway.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _gateway.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _gateway.BeginOutputReadLine();
        _gateway.BeginErrorReadLine();
        return output;
    }
}
