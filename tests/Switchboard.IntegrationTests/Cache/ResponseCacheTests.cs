using System.Net;
using System.Text;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using Switchboard.Storage;

namespace Switchboard.IntegrationTests.Cache;

/// <summary>The response cache end to end: the real gateway, the mock provider counting the calls that reach it.</summary>
public sealed class ResponseCacheTests : IAsyncLifetime
{
    private const string MasterKey = "sk-master-cache-0123456789";
    private const string Chat = """{"model":"pool","messages":[{"role":"user","content":"hello cache"}]}""";
    private const string ChatStream = """{"model":"pool","stream":true,"messages":[{"role":"user","content":"hello cache"}]}""";
    private const string Messages = """{"model":"pool","max_tokens":64,"messages":[{"role":"user","content":"hello cache"}]}""";
    private const string MessagesStream = """{"model":"pool","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hello cache"}]}""";

    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    [Fact]
    public async Task ChatCompletions_SameCallTwice_SecondFromCacheWithKeyAndZeroCostRow()
    {
        await using var gateway = await StartAsync();

        var (first, firstKey) = await CallAsync(gateway, "/v1/chat/completions", Chat);
        var (second, secondKey) = await CallAsync(gateway, "/v1/chat/completions", Chat.Replace("}]}", "}],\"user\":\"someone\"}", StringComparison.Ordinal));

        Assert.Equal(first, second);
        Assert.NotNull(firstKey);
        Assert.Equal(firstKey, secondKey);
        Assert.Equal(1, _mock.Stats["ok-cache"].Calls);
        var rows = await RowsAsync(gateway, 2);
        var hit = Assert.Single(rows, r => r.DeploymentId == "cache");
        Assert.Equal(0, hit.Cost);
        Assert.Equal(200, hit.HttpStatus);
        Assert.Null(hit.ErrorClass);
        Assert.True(hit.CacheHit);
        Assert.False(Assert.Single(rows, r => r.DeploymentId == "dep-ok").CacheHit);
    }

    [Fact]
    public async Task SpendLogs_CachedAnswer_RowMarkedCacheHit()
    {
        await using var gateway = await StartAsync();
        await CallAsync(gateway, "/v1/chat/completions", Chat);
        await CallAsync(gateway, "/v1/chat/completions", Chat);
        await RowsAsync(gateway, 2);

        using var response = await gateway.Client.SendAsync(Request(HttpMethod.Get, "/spend/logs"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = System.Text.Json.JsonDocument.Parse(text);
        var logs = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, logs.Count);
        var hit = Assert.Single(logs, l => l.GetProperty("cache_hit").GetBoolean());
        Assert.Equal(0, hit.GetProperty("spend").GetDouble());
        Assert.Equal("cache", hit.GetProperty("model_id").GetString());
        Assert.Equal("dep-ok", Assert.Single(logs, l => !l.GetProperty("cache_hit").GetBoolean()).GetProperty("model_id").GetString());
    }

    [Fact]
    public async Task ChatCompletions_Stream_ReplayedAsAStream()
    {
        await using var gateway = await StartAsync();

        var (first, _) = await CallAsync(gateway, "/v1/chat/completions", ChatStream);
        using var replay = await gateway.Client.SendAsync(Post("/v1/chat/completions", ChatStream));
        var second = await replay.Content.ReadAsStringAsync();

        Assert.Equal("text/event-stream", replay.Content.Headers.ContentType?.MediaType);
        Assert.Equal(first, second);
        Assert.Contains("data: [DONE]", second, StringComparison.Ordinal);
        Assert.Equal(1, _mock.Stats["ok-cache"].Calls);

        // A JSON answer is stored apart from a stream: the first non-stream call reaches the upstream.
        await CallAsync(gateway, "/v1/chat/completions", Chat);
        Assert.Equal(2, _mock.Stats["ok-cache"].Calls);
    }

    [Fact]
    public async Task AnthropicMessages_JsonAndStream_HitAndReplayed()
    {
        await using var gateway = await StartAsync();

        var (json1, key1) = await CallAsync(gateway, "/v1/messages", Messages);
        var (json2, key2) = await CallAsync(gateway, "/v1/messages", Messages);
        var (sse1, _) = await CallAsync(gateway, "/v1/messages", MessagesStream);
        using var replay = await gateway.Client.SendAsync(Post("/v1/messages", MessagesStream));
        var sse2 = await replay.Content.ReadAsStringAsync();

        Assert.Equal(json1, json2);
        Assert.Equal(key1, key2);
        Assert.Contains("\"type\":\"message\"", json1, StringComparison.Ordinal);
        Assert.Equal(sse1, sse2);
        Assert.Equal("text/event-stream", replay.Content.Headers.ContentType?.MediaType);
        Assert.Contains("event: message_stop", sse2, StringComparison.Ordinal);
        Assert.Equal(2, _mock.Stats["ok-cache"].Calls);

        // The OpenAI API's call with the same messages is another call type: not served from the Anthropic entry.
        await CallAsync(gateway, "/v1/chat/completions", Chat);
        Assert.Equal(3, _mock.Stats["ok-cache"].Calls);
    }

    [Fact]
    public async Task PerRequestControls_NoCacheNoStoreNamespaceAndHeader_Honoured()
    {
        await using var gateway = await StartAsync();
        await CallAsync(gateway, "/v1/chat/completions", Chat);
        Assert.Equal(1, Calls());

        // no-cache: fresh answer from the upstream (and stored again).
        await CallAsync(gateway, "/v1/chat/completions", With(Chat, "\"no-cache\":true"));
        Assert.Equal(2, Calls());

        // Cache-Control: no-cache as a header does the same.
        using (var request = Post("/v1/chat/completions", Chat))
        {
            request.Headers.TryAddWithoutValidation("Cache-Control", "no-cache");
            using var response = await gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, Calls());
        await CallAsync(gateway, "/v1/chat/completions", Chat);
        Assert.Equal(3, Calls());

        // no-store: answered by the upstream, not kept.
        var other = Chat.Replace("hello cache", "not kept", StringComparison.Ordinal);
        await CallAsync(gateway, "/v1/chat/completions", With(other, "\"no-store\":true"));
        await CallAsync(gateway, "/v1/chat/completions", other);
        Assert.Equal(5, Calls());

        // namespace: its own entries and key.
        var (_, plainKey) = await CallAsync(gateway, "/v1/chat/completions", Chat);
        var (_, nsKey) = await CallAsync(gateway, "/v1/chat/completions", With(Chat, "\"namespace\":\"team-a\""));
        Assert.Equal(6, Calls());
        Assert.Equal("team-a:" + plainKey, nsKey);
        await CallAsync(gateway, "/v1/chat/completions", With(Chat, "\"namespace\":\"team-a\""));
        Assert.Equal(6, Calls());

        // s-maxage 0: nothing stored is fresh enough.
        await CallAsync(gateway, "/v1/chat/completions", With(Chat, "\"s-maxage\":0"));
        Assert.Equal(7, Calls());
    }

    [Fact]
    public async Task DefaultOff_OnlyCallsWithUseCache_AreCached()
    {
        await using var gateway = await StartAsync(new Dictionary<string, string> { ["mode"] = "default_off" });

        var (_, key) = await CallAsync(gateway, "/v1/chat/completions", Chat);
        await CallAsync(gateway, "/v1/chat/completions", Chat);
        Assert.Null(key);
        Assert.Equal(2, Calls());

        await CallAsync(gateway, "/v1/chat/completions", With(Chat, "\"use-cache\":true"));
        await CallAsync(gateway, "/v1/chat/completions", With(Chat, "\"use-cache\":true"));
        Assert.Equal(3, Calls());
    }

    [Fact]
    public async Task ErrorAnswer_NotCached()
    {
        await using var gateway = await StartAsync(key: "err-cache");

        for (var i = 0; i < 2; i++)
        {
            using var response = await gateway.Client.SendAsync(Post("/v1/chat/completions", Chat));
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(2, _mock.Stats["err-cache"].Calls);
    }

    [Fact]
    public async Task PingAndDelete_DeletedKeyMissesAfterwards()
    {
        await using var gateway = await StartAsync();
        using (var ping = await gateway.Client.SendAsync(Request(HttpMethod.Get, "/cache/ping")))
        {
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
            var text = await ping.Content.ReadAsStringAsync();
            Assert.Contains("\"status\":\"healthy\"", text, StringComparison.Ordinal);
            Assert.Contains("\"cache_type\":\"local\"", text, StringComparison.Ordinal);
        }

        var (_, key) = await CallAsync(gateway, "/v1/chat/completions", Chat);
        using (var delete = Request(HttpMethod.Post, "/cache/delete"))
        {
            delete.Content = new StringContent($$"""{"keys":["{{key}}"]}""", Encoding.UTF8, "application/json");
            using var response = await gateway.Client.SendAsync(delete);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("\"deleted\":1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await CallAsync(gateway, "/v1/chat/completions", Chat);
        Assert.Equal(2, Calls());
    }

    [Fact]
    public async Task Metrics_OneMissThenOneHit_CountedUnderSwitchboardCache()
    {
        await using var gateway = await StartAsync();

        await CallAsync(gateway, "/v1/chat/completions", Chat);
        await CallAsync(gateway, "/v1/chat/completions", Chat);
        using var metrics = await gateway.Client.SendAsync(Request(HttpMethod.Get, "/metrics"));
        var (samples, _) = Telemetry.PrometheusTextParser.Parse(await metrics.Content.ReadAsStringAsync(), openMetrics: false);

        Assert.Equal(1, Assert.Single(samples, s => s.Name == "switchboard_cache_hits_total").Value);
        Assert.Equal(1, Assert.Single(samples, s => s.Name == "switchboard_cache_misses_total").Value);
        Assert.Equal(1, Calls());
    }

    [Fact]
    public async Task CacheOff_NoKeyHeaderAndPingSaysSo()
    {
        await using var gateway = await TestGateway.StartAsync(Config(null, "ok-cache"));

        var (_, key) = await CallAsync(gateway, "/v1/chat/completions", Chat);
        await CallAsync(gateway, "/v1/chat/completions", Chat);

        Assert.Null(key);
        Assert.Equal(2, Calls());
        using var ping = await gateway.Client.SendAsync(Request(HttpMethod.Get, "/cache/ping"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ping.StatusCode);
    }

    private int Calls() => (int)_mock.Stats["ok-cache"].Calls;

    private Task<TestGateway> StartAsync(Dictionary<string, string>? cacheParams = null, string key = "ok-cache") =>
        TestGateway.StartAsync(Config(cacheParams ?? [], key));

    private GatewayConfig Config(Dictionary<string, string>? cacheParams, string key) => new()
    {
        ModelList = [Configs.Http("pool", "dep-ok", _mock.BaseUrl, key)],
        Router = new RouterSettings { NumRetries = 0 },
        LiteLlm = new LiteLlmSettings { Cache = cacheParams is not null, CacheParams = cacheParams ?? [] },
        General = new GeneralSettings { MasterKey = MasterKey },
    };

    private static string With(string body, string controls) => body[..^1] + ",\"cache\":{" + controls + "}}";

    private static async Task<(string Body, string? Key)> CallAsync(TestGateway gateway, string path, string body)
    {
        using var response = await gateway.Client.SendAsync(Post(path, body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var key = response.Headers.TryGetValues("x-litellm-cache-key", out var v) ? v.Single() : null;

        // An answer is stored once its last byte is written, so the client can be quicker than the store: give it a
        // moment before the next call (calls that store nothing just wait out the bound).
        for (var i = 0; key is not null && i < 40 && await gateway.Services.Cache!.Backend.GetAsync(key, CancellationToken.None) is null; i++)
        {
            await Task.Delay(25);
        }

        return (text, key);
    }

    private static HttpRequestMessage Post(string path, string body)
    {
        var request = Request(HttpMethod.Post, path);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        return request;
    }

    private static HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + MasterKey);
        return request;
    }

    private static async Task<IReadOnlyList<UsageRecord>> RowsAsync(TestGateway gateway, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var page = await gateway.Services.Store.QueryUsageAsync(new UsageQuery(), CancellationToken.None);
            if (page.Items.Count >= count)
            {
                return page.Items;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{page.Items.Count} usage rows within 15 s, expected {count}");
            await Task.Delay(20);
        }
    }
}
