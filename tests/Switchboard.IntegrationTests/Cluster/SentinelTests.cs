using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Cluster;

/// <summary>
/// Redis behind a Sentinel, as <c>router_settings</c> names it for LiteLLM (<c>service_name</c> and <c>sentinel_nodes</c>):
/// one master and one sentinel on loopback (Debian's <c>redis-server</c> runs as a sentinel with <c>--sentinel</c>); the
/// gateways ask the sentinel for the master and share a cooldown through it.
/// </summary>
public sealed class SentinelTests : IAsyncLifetime
{
    private const string Master = "sk-master-sentinel-0123456789";
    private readonly ClusterRig _cluster = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-sentinel-").FullName;
    private readonly int _sentinelPort = RepoPaths.FreePort();
    private Process? _sentinel;

    public async Task InitializeAsync()
    {
        await _cluster.StartAsync();
        await StartSentinelAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeGatewaysAsync();
        if (_sentinel is { HasExited: false } sentinel)
        {
            sentinel.Kill();
            await sentinel.WaitForExitAsync();
        }

        _sentinel?.Dispose();
        await _cluster.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ServiceNameAndSentinelNodes_TwoGateways_ConnectThroughSentinelAndShareACooldown()
    {
        var config = new GatewayConfig
        {
            ModelList =
            [
                Configs.Http("glm", "st-rl", _cluster.Mock.BaseUrl, "rl-sentinel"),
                Configs.Http("glm", "st-ok", _cluster.Mock.BaseUrl, "ok-sentinel", index: 1),
            ],
            Router = new RouterSettings
            {
                RedisServiceName = "mymaster",
                RedisSentinelNodes = ["127.0.0.1:" + _sentinelPort.ToString(CultureInfo.InvariantCulture)],
                CooldownTime = TimeSpan.FromSeconds(60),
            },
            General = new GeneralSettings { MasterKey = Master },
        };
        var a = await _cluster.StartGatewayAsync(config);
        var b = await _cluster.StartGatewayAsync(config);
        await SharedStateTests.EventuallyAsync(() => a.Services.Shared.Connected && b.Services.Shared.Connected);

        for (var i = 0; i < 10 && _cluster.Mock.Stats["rl-sentinel"].Calls == 0; i++)
        {
            using var response = await ChatAsync(a);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, _cluster.Mock.Stats["rl-sentinel"].Calls);
        await SharedStateTests.EventuallyAsync(() => CoolingDown(b, "st-rl"));

        // The cooldown is in the master the sentinel named (not merely announced): a third gateway started now reads it.
        await using var c = await TestGateway.StartAsync(config);
        await SharedStateTests.EventuallyAsync(() => CoolingDown(c, "st-rl"));
    }

    private async Task StartSentinelAsync()
    {
        var server = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        Assert.True(server is not null, "redis-server is not installed (scripts/install-test-deps.sh installs it)");

        // A sentinel rewrites its config file: it lives in the test's own folder.
        var conf = Path.Combine(_dir, "sentinel.conf");
        await File.WriteAllTextAsync(conf, string.Join('\n',
            "port " + _sentinelPort.ToString(CultureInfo.InvariantCulture),
            "bind 127.0.0.1",
            "protected-mode no",
            "dir " + _dir,
            "sentinel monitor mymaster 127.0.0.1 " + _cluster.Redis.Port.ToString(CultureInfo.InvariantCulture) + " 1",
            "sentinel down-after-milliseconds mymaster 60000",
            ""));
        _sentinel = Process.Start(new ProcessStartInfo(server!, [conf, "--sentinel"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        })!;
        _sentinel.BeginOutputReadLine();
        _sentinel.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            Assert.False(_sentinel.HasExited, "redis-server --sentinel exited");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, _sentinelPort);
                return;
            }
            catch (SocketException)
            {
                Assert.True(DateTime.UtcNow < deadline, "the sentinel did not listen within 15 s");
                await Task.Delay(50);
            }
        }
    }

    private static bool CoolingDown(TestGateway gateway, string deploymentId) =>
        gateway.Services.Router.Snapshot().Groups.SelectMany(g => g.Deployments).Single(d => d.Id == deploymentId).CoolingDown;

    private static Task<HttpResponseMessage> ChatAsync(TestGateway gateway)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"glm","messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
        return gateway.Client.SendAsync(request);
    }
}
