using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using OpenAI;
using OpenAI.Chat;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Tls;

/// <summary>
/// docs/deploy.md's nginx TLS front, as written there (only ports and certificate paths replaced), in front of a real
/// gateway: the official OpenAI client over HTTPS through nginx, JSON and stream. nginx is started on a free port with a
/// generated config and stopped by its PID.
/// </summary>
public sealed partial class NginxFrontTests : IDisposable
{
    private readonly TestCertificate _certificate = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-nginx-").FullName;
    private Process? _nginx;

    [Fact]
    public async Task DeployDocNginxFront_OpenAiClientOverHttps_ChatAndStreamRelayed()
    {
        await using var gateway = await TestGateway.StartAsync(Configs.Of(
            Configs.Mock("pool", "dep-nginx", chunks: 5, chunkDelay: TimeSpan.FromMilliseconds(20), response: "through nginx")));
        var port = RepoPaths.FreePort();
        await StartNginxAsync(DocBlock(port, gateway.BaseUrl.Port), port);

        using var http = new HttpClient(_certificate.TrustingHandler());
        var client = new ChatClient("pool", new ApiKeyCredential("sk-client"), new OpenAIClientOptions
        {
            Endpoint = new Uri($"https://localhost:{port}/v1"),
            Transport = new HttpClientPipelineTransport(http),
        });

        var completion = await client.CompleteChatAsync([new UserChatMessage("hello")]);
        Assert.Equal("through nginx", completion.Value.Content[0].Text);

        var updates = 0;
        var streamed = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        Assert.Equal("through nginx", streamed.ToString());
        Assert.True(updates >= 5, $"{updates} stream updates");

        using var h2 = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"https://localhost:{port}/v1/models")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        Assert.Equal(HttpStatusCode.OK, h2.StatusCode);
        Assert.Equal(HttpVersion.Version20, h2.Version);
    }

    public void Dispose()
    {
        if (_nginx is { HasExited: false })
        {
            using (var term = Process.Start("kill", ["-TERM", _nginx.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                term?.WaitForExit();
            }

            if (!_nginx.WaitForExit(10_000))
            {
                _nginx.Kill();
            }
        }

        _nginx?.Dispose();
        _certificate.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The first <c>```nginx</c> block of docs/deploy.md with this test's ports and certificate.</summary>
    private string DocBlock(int listenPort, int gatewayPort)
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "deploy.md"));
        var match = NginxBlock().Match(doc);
        Assert.True(match.Success, "docs/deploy.md has no ```nginx block");
        var block = match.Groups[1].Value;
        foreach (var (from, to) in new[]
        {
            ("listen 443 ssl http2;", $"listen 127.0.0.1:{listenPort} ssl http2;"),
            ("server 127.0.0.1:4000;", $"server 127.0.0.1:{gatewayPort};"),
            ("/etc/ssl/switchboard/fullchain.pem", _certificate.CertPath),
            ("/etc/ssl/switchboard/privkey.pem", _certificate.KeyPath),
        })
        {
            Assert.Contains(from, block, StringComparison.Ordinal);
            block = block.Replace(from, to, StringComparison.Ordinal);
        }

        return block;
    }

    private async Task StartNginxAsync(string serverBlock, int port)
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists);
        Assert.True(nginx is not null, "nginx is not installed (scripts/install-test-deps.sh installs it)");
        var conf = Path.Combine(_dir, "nginx.conf");
        await File.WriteAllTextAsync(conf, $$"""
            worker_processes 1;
            pid {{_dir}}/nginx.pid;
            error_log {{_dir}}/error.log;
            events { worker_connections 256; }
            http {
                access_log {{_dir}}/access.log;
                client_body_temp_path {{_dir}}/client_body;
                proxy_temp_path {{_dir}}/proxy;
                fastcgi_temp_path {{_dir}}/fastcgi;
                uwsgi_temp_path {{_dir}}/uwsgi;
                scgi_temp_path {{_dir}}/scgi;
            {{serverBlock}}
            }
            """);
        _nginx = Process.Start(new ProcessStartInfo(nginx!, ["-p", _dir, "-c", conf, "-g", "daemon off;"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        for (var i = 0; i < 100; i++)
        {
            Assert.False(_nginx.HasExited, "nginx exited: " + await _nginx.StandardError.ReadToEndAsync() + ReadLog());
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }

        Assert.Fail("nginx did not listen within 10 s" + ReadLog());
    }

    private string ReadLog()
    {
        var log = Path.Combine(_dir, "error.log");
        return File.Exists(log) ? "\n" + File.ReadAllText(log) : "";
    }

    [GeneratedRegex("```nginx\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex NginxBlock();
}
