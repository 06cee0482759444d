using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Tls;

/// <summary>LiteLLM's <c>--ssl_certfile_path</c> / <c>--ssl_keyfile_path</c> on the gateway process.</summary>
public sealed class ServeTlsFlagsTests : IDisposable
{
    private readonly TestCertificate _certificate = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-tlsflags-").FullName;
    private GatewayProcess? _gateway;

    [Fact]
    public async Task Serve_SslFlags_ServesHttps()
    {
        var port = RepoPaths.FreePort();
        var gateway = Start(port, "--ssl_certfile_path", _certificate.CertPath, "--ssl_keyfile_path", _certificate.KeyPath);
        // A first TLS call to a process still starting took over 10 s on a loaded machine.
        using var http = new HttpClient(_certificate.TrustingHandler()) { Timeout = TimeSpan.FromSeconds(90) };

        for (var i = 0; ; i++)
        {
            try
            {
                var models = await http.GetStringAsync($"https://127.0.0.1:{port}/v1/models");
                Assert.Contains("tls-pool", models, StringComparison.Ordinal);
                break;
            }
            catch (HttpRequestException) when (i < 300 && !gateway.HasExited)
            {
                await Task.Delay(100);
            }
        }

        // The console's lines leave on the buffered writer's timer: the line may follow the first answer by a moment.
        var listening = $"listening on https://127.0.0.1:{port}";
        for (var i = 0; i < 300 && !gateway.Output.Contains(listening, StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains(listening, gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_CertificateWithoutKey_ExitsWithTheReason()
    {
        var gateway = Start(RepoPaths.FreePort(), "--ssl_certfile_path", _certificate.CertPath);

        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, gateway.ExitCode);
        Assert.Contains("--ssl_keyfile_path", gateway.Output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _gateway?.Dispose();
        _certificate.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private GatewayProcess Start(int port, params string[] flags)
    {
        var config = Path.Combine(_dir, "litellm-config.yaml");
        File.WriteAllText(config, """
            model_list:
              - model_name: tls-pool
                litellm_params:
                  model: mock/glm-4.6
                  api_key: ok-tls-1
            """);
        return _gateway = GatewayProcess.Start(_dir, config, port, flags);
    }
}
