using System.Diagnostics;
using System.Globalization;
using System.Text;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Tls;

/// <summary>LiteLLM's <c>--ssl_certfile_path</c> / <c>--ssl_keyfile_path</c> on the gateway process.</summary>
public sealed class ServeTlsFlagsTests : IDisposable
{
    private readonly TestCertificate _certificate = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-tlsflags-").FullName;
    private Process? _gateway;

    [Fact]
    public async Task Serve_SslFlags_ServesHttps()
    {
        var port = RepoPaths.FreePort();
        var output = Start(port, "--ssl_certfile_path", _certificate.CertPath, "--ssl_keyfile_path", _certificate.KeyPath);
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
            catch (HttpRequestException) when (i < 300 && !_gateway!.HasExited)
            {
                await Task.Delay(100);
            }
        }

        lock (output)
        {
            Assert.Contains($"listening on https://127.0.0.1:{port}", output.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Serve_CertificateWithoutKey_ExitsWithTheReason()
    {
        var output = Start(RepoPaths.FreePort(), "--ssl_certfile_path", _certificate.CertPath);

        await _gateway!.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        Assert.Equal(2, _gateway.ExitCode);
        lock (output)
        {
            Assert.Contains("--ssl_keyfile_path", output.ToString(), StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        if (_gateway is { HasExited: false })
        {
            _gateway.Kill();
            _gateway.WaitForExit(10_000);
        }

        _gateway?.Dispose();
        _certificate.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private StringBuilder Start(int port, params string[] flags)
    {
        var config = Path.Combine(_dir, "litellm-config.yaml");
        File.WriteAllText(config, """
            model_list:
              - model_name: tls-pool
                litellm_params:
                  model: mock/glm-4.6
                  api_key: ok-tls-1
            """);
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "switchboard.dll"), "--config", config,
            "--port", port.ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1", .. flags])
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
