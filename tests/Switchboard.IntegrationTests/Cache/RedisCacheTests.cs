using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Cache;

/// <summary>cache_params.type: redis with a real redis-server started here: two gateways share answers; an outage fails no call.</summary>
public sealed class RedisCacheTests : IAsyncLifetime
{
    private const string Chat = """{"model":"pool","messages":[{"role":"user","content":"hello shared cache"}]}""";
    private const string ChatStream = """{"model":"pool","stream":true,"messages":[{"role":"user","content":"hello shared cache"}]}""";

    private readonly string _dir = Directory.CreateTempSubdirectory("sb-redis-cache-").FullName;
    private readonly int _port = RepoPaths.FreePort();
    private MockProviderServer _mock = null!;
    private Process? _redis;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);
        await StartRedisAsync();
    }

    public async Task DisposeAsync()
    {
        StopRedis();
        await _mock.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task TwoGateways_OneRedis_SecondServesTheFirstsAnswerAndStream()
    {
        await using var a = await TestGateway.StartAsync(Config());
        await using var b = await TestGateway.StartAsync(Config());

        // The answer is stored once its last byte is written, so the client can be quicker than the store: wait for it.
        var (json1, key1) = await CallAsync(a, Chat);
        await WaitStoredAsync(key1!);
        var (json2, key2) = await CallAsync(b, Chat);
        var (sse1, sseKey) = await CallAsync(b, ChatStream);
        await WaitStoredAsync(sseKey!);
        var (sse2, _) = await CallAsync(a, ChatStream);

        Assert.Equal(json1, json2);
        Assert.Equal(key1, key2);
        Assert.Equal(sse1, sse2);
        Assert.Contains("data: [DONE]", sse2, StringComparison.Ordinal);
        Assert.Equal(2, _mock.Stats["ok-redis"].Calls);
        using var ping = await b.Client.GetAsync("/cache/ping");
        Assert.Contains("\"cache_type\":\"redis\"", await ping.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisStopped_CallsStillSucceedFromTheUpstream()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        await CallAsync(gateway, Chat);
        StopRedis();

        for (var i = 0; i < 3; i++)
        {
            await CallAsync(gateway, Chat);
        }

        Assert.Equal(4, _mock.Stats["ok-redis"].Calls);
        using var ping = await gateway.Client.GetAsync("/cache/ping");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ping.StatusCode);
    }

    [Fact]
    public async Task CacheDelete_RedisStopped_Answers503InOpenAiErrorShape()
    {
        const string master = "sk-master-cache-0123456789";
        await using var gateway = await TestGateway.StartAsync(Config(master));
        StopRedis();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/cache/delete")
        {
            Content = new StringContent("""{"keys":["abc"]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", master);
        using var response = await gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var doc = System.Text.Json.JsonDocument.Parse(text);
        var error = doc.RootElement.GetProperty("error");
        Assert.Contains("unreachable", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("cache_unavailable", error.GetProperty("code").GetString());
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);

        using var pingRequest = new HttpRequestMessage(HttpMethod.Get, "/cache/ping");
        pingRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", master);
        using var ping = await gateway.Client.SendAsync(pingRequest);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ping.StatusCode);
        Assert.Contains("\"status\":\"unhealthy\"", await ping.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private GatewayConfig Config(string? master = null) => new()
    {
        General = new GeneralSettings { MasterKey = master },
        ModelList = [Configs.Http("pool", "dep-redis", _mock.BaseUrl, "ok-redis")],
        LiteLlm = new LiteLlmSettings
        {
            Cache = true,
            CacheParams = new Dictionary<string, string>
            {
                ["type"] = "redis",
                ["host"] = "127.0.0.1",
                ["port"] = _port.ToString(CultureInfo.InvariantCulture),
                ["ttl"] = "60",
            },
        },
    };

    private async Task WaitStoredAsync(string key)
    {
        for (var i = 0; i < 100; i++)
        {
            using var cli = Process.Start(new ProcessStartInfo("redis-cli", ["-p", _port.ToString(CultureInfo.InvariantCulture), "exists", key])
            {
                RedirectStandardOutput = true,
            })!;
            var output = await cli.StandardOutput.ReadToEndAsync();
            await cli.WaitForExitAsync();
            if (output.Trim() == "1")
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"key {key} not in Redis within 5 s");
    }

    private static async Task<(string Body, string? Key)> CallAsync(TestGateway gateway, string body)
    {
        using var response = await gateway.Client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return (text, response.Headers.TryGetValues("x-litellm-cache-key", out var v) ? v.Single() : null);
    }

    private async Task StartRedisAsync()
    {
        var server = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        Assert.True(server is not null, "redis-server is not installed (scripts/install-test-deps.sh installs it)");
        _redis = Process.Start(new ProcessStartInfo(server!, ["--port", _port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", _dir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _redis.BeginOutputReadLine();
        _redis.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, _port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                Assert.False(_redis.HasExited, "redis-server exited");
                await Task.Delay(100);
            }
        }

        Assert.Fail("redis-server did not listen within 10 s");
    }

    private void StopRedis()
    {
        if (_redis is { HasExited: false })
        {
            _redis.Kill();
            _redis.WaitForExit(10_000);
        }

        _redis?.Dispose();
        _redis = null;
    }
}
