using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Api;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using Switchboard.Upstream;

namespace Switchboard.IntegrationTests.Routing;

/// <summary>The router over real sockets: the gateway in front of the fault-injecting mock provider.</summary>
public sealed class RouterIntegrationTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { SlowDelay = TimeSpan.FromMilliseconds(150), DefaultChunks = 4 }, CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    private DeploymentConfig Key(string key, int index, int? maxParallel = null, string group = "glm-pool") =>
        Configs.Http(group, "dep-" + key, _mock.BaseUrl, key, index: index) with { MaxParallelRequests = maxParallel };

    private static GatewayConfig Pool(RouterSettings? router, params DeploymentConfig[] deployments) =>
        new() { ModelList = deployments, Router = router ?? new RouterSettings() };

    private const string Chat = """{"model":"glm-pool","messages":[{"role":"user","content":"hello there"}]}""";
    private const string ChatStream = """{"model":"glm-pool","stream":true,"messages":[{"role":"user","content":"hello there"}]}""";

    [Fact]
    public async Task MixedPool_OneHealthyKey_500ConcurrentCallsAllSucceed()
    {
        var config = Pool(new RouterSettings { NumRetries = 6, CooldownTime = TimeSpan.FromSeconds(60), AllowedFails = 0 },
            Key("ok-1", 0), Key("rl-1", 1), Key("err-1", 2), Key("flaky-1", 3), Key("slow-1", 4), Key("auth-1", 5));
        await using var gateway = await TestGateway.StartAsync(config);

        // Sequential calls first, so that every faulty key has been met once; calls dispatched concurrently
        // before a key's first failure came back would otherwise reach it too (they could not know).
        for (var i = 0; i < 12; i++)
        {
            using var warm = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", Chat));
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using var gate = new SemaphoreSlim(50);
        var tasks = Enumerable.Range(0, 500).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", i % 2 == 0 ? Chat : ChatStream));
                var text = await response.Content.ReadAsStringAsync();
                return (response.StatusCode, text, i % 2 == 1);
            }
            finally
            {
                gate.Release();
            }
        });
        var results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.True(r.StatusCode == HttpStatusCode.OK, $"{r.StatusCode}: {r.text}"));
        Assert.All(results.Where(r => r.Item3), r => Assert.Contains("data: [DONE]", r.text, StringComparison.Ordinal));

        // A rate-limited key is called at most once per cooldown window; a rejected key once, then never.
        Assert.Equal(1, _mock.Stats["rl-1"].Calls);
        Assert.Equal(1, _mock.Stats["auth-1"].Calls);
        Assert.Equal(1, _mock.Stats["err-1"].Calls);
        Assert.Equal(2, _mock.Stats["flaky-1"].Calls);
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("KEY DISABLED", StringComparison.Ordinal) && l.Contains("dep-auth-1", StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Logs.Lines, l => l.Contains("auth-1", StringComparison.Ordinal) && !l.Contains("dep-auth-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MaxParallelOnePerKey_30ConcurrentCalls_NoKeyServesTwoAtOnceAndAllSucceed()
    {
        // conc1- keys answer Z.ai's 1302 when a second call arrives while one is in flight.
        var config = Pool(new RouterSettings { NumRetries = 0 }, Key("conc1-a", 0, 1), Key("conc1-b", 1, 1), Key("conc1-c", 2, 1));
        await using var gateway = await TestGateway.StartAsync(config);
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
        {
            using var response = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", i % 3 == 0 ? ChatStream : Chat));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }));
        Assert.All(results, r => Assert.True(r.StatusCode == HttpStatusCode.OK, $"{r.StatusCode}: {r.Item2}"));
        foreach (var key in new[] { "conc1-a", "conc1-b", "conc1-c" })
        {
            Assert.Equal(1, _mock.Stats[key].MaxInFlight);
        }

        Assert.Equal(30, _mock.Stats.Total);
    }

    [Fact]
    public async Task AllKeysRateLimited_429WithRetryAfter_Quickly()
    {
        var config = Pool(new RouterSettings { NumRetries = 3 }, Key("rl-a", 0), Key("rl-b", 1));
        await using var gateway = await TestGateway.StartAsync(config);
        var first = Stopwatch.StartNew();
        using (var warm = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", Chat)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, warm.StatusCode);
        }

        // Both keys answered 429 with Retry-After: 30 and rest that long, beyond wait_for_cooldown_s (0): waiting out
        // the 30 s before a round that can only end in the same 429 would make the client wait for nothing.
        Assert.True(first.Elapsed < TimeSpan.FromSeconds(10), $"the first 429 took {first.Elapsed}");

        // Every key is cooling now: the answer comes from the router at once, without calling anyone.
        var watch = Stopwatch.StartNew();
        using var response = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", Chat));
        watch.Stop();
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("glm-pool", OpenAiEndpointsTests.Header(response, "x-litellm-model-group"));
        Assert.NotNull(OpenAiEndpointsTests.Header(response, "x-litellm-attempted-retries"));
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter!.Value.TotalSeconds, 1, 60);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("rate_limit_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("glm-pool", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, _mock.Stats["rl-a"].Calls);
        Assert.Equal(1, _mock.Stats["rl-b"].Calls);
        // Generous bound for a shared 2-core machine; the router answers from memory (typically ~1 ms).
        Assert.True(watch.ElapsedMilliseconds < 1000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task ZaiConcurrencyCode1302_RetriedOnAnotherKeyAtOnce()
    {
        var config = Pool(new RouterSettings { NumRetries = 2 }, Key("zai1302-a", 0), Key("ok-z", 1));
        await using var gateway = await TestGateway.StartAsync(config);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", Chat));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("dep-ok-z", OpenAiEndpointsTests.Header(response, "x-litellm-model-id"));
        }

        // The refusing key rests 0.5 s, then 1 s, 2 s… after each refusal of its only call: on a loaded machine the four
        // calls can outlast a rest, and the key is then tried (and refused) once more per rest that ended, never more.
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Assert.InRange(_mock.Stats["zai1302-a"].Calls, 1, elapsed < 0.5 ? 1 : elapsed < 1.5 ? 2 : 3);
    }

    [Fact]
    public async Task BodyStallsAfterHeaders_DeploymentTimeoutEndsTheAttemptAndAnotherKeyAnswers()
    {
        // The deployment's timeout bounds the whole attempt, the body included: a body that stops after the headers is
        // that deployment's failure, retried elsewhere, not a call held until request_timeout (a 504).
        var config = Pool(new RouterSettings { NumRetries = 1, RoutingStrategy = "order", RequestTimeout = TimeSpan.FromSeconds(20) },
            Key("stallbody-a", 0) with { Order = 1, Timeout = TimeSpan.FromSeconds(1) }, Key("ok-s", 1) with { Order = 2 });
        await using var gateway = await TestGateway.StartAsync(config);

        using var response = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", Chat));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("dep-ok-s", OpenAiEndpointsTests.Header(response, "x-litellm-model-id"));
        Assert.Equal("1", OpenAiEndpointsTests.Header(response, "x-litellm-attempted-retries"));
        Assert.Equal(1, _mock.Stats["stallbody-a"].Calls);
        var failed = Assert.Single(gateway.Services.Router.Snapshot().Groups.Single().Deployments, d => d.Id == "dep-stallbody-a");
        Assert.Equal(1, failed.Total.FailuresByKind.GetValueOrDefault(FailureKind.Timeout));
    }

    [Fact]
    public async Task ZaiBadParameterCode1214_ReturnedToClientNotRetried()
    {
        var config = Pool(new RouterSettings { NumRetries = 3 }, Key("zai1214-a", 0), Key("zai1214-b", 1));
        await using var gateway = await TestGateway.StartAsync(config);
        using var response = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", Chat));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(1, _mock.Stats.Total);
        Assert.StartsWith("dep-zai1214-", OpenAiEndpointsTests.Header(response, "x-litellm-model-id"), StringComparison.Ordinal);
        Assert.Equal("glm-pool", OpenAiEndpointsTests.Header(response, "x-litellm-model-group"));
        Assert.Equal("0", OpenAiEndpointsTests.Header(response, "x-litellm-attempted-retries"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("1214", json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task RouterStatus_CountsMatchMockStatsExactly()
    {
        var config = Pool(new RouterSettings { NumRetries = 3 }, Key("ok-s1", 0), Key("ok-s2", 1), Key("flaky-s3", 2), Key("rl-s4", 3));
        await using var gateway = await TestGateway.StartAsync(config);
        for (var i = 0; i < 40; i++)
        {
            using var response = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", i % 2 == 0 ? Chat : ChatStream));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        using var status = JsonDocument.Parse(await gateway.Client.GetStringAsync("/router/status"));
        var requestsById = new Dictionary<string, long>();
        foreach (var group in status.RootElement.GetProperty("model_groups").EnumerateArray())
        {
            foreach (var deployment in group.GetProperty("deployments").EnumerateArray())
            {
                requestsById[deployment.GetProperty("id").GetString()!] = deployment.GetProperty("total").GetProperty("requests").GetInt64();
            }
        }

        foreach (var key in new[] { "ok-s1", "ok-s2", "flaky-s3", "rl-s4" })
        {
            Assert.Equal(_mock.Stats[key].Calls, requestsById["dep-" + key]);
        }

        var text = await gateway.Client.GetStringAsync("/router/status");
        Assert.DoesNotContain("ok-s1", text.Replace("dep-ok-s1", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var info = await gateway.Client.GetStringAsync("/model/info");
        Assert.Contains("dep-ok-s1", info, StringComparison.Ordinal);
        Assert.DoesNotContain("\"ok-s1\"", info, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fallbacks_ExhaustedGroup_ServedByFallbackGroup()
    {
        var config = Pool(new RouterSettings { NumRetries = 1, Fallbacks = [new FallbackRule("glm-pool", ["backup-pool"])] },
            Key("rl-f1", 0), Key("ok-backup", 1, group: "backup-pool"));
        await using var gateway = await TestGateway.StartAsync(config);
        using var response = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", Chat));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("backup-pool", OpenAiEndpointsTests.Header(response, "x-litellm-model-group"));
    }

    [Fact]
    public async Task PreemptiveCooldown_FromRateLimitHeaders_KeyRestsBefore429()
    {
        var config = Pool(new RouterSettings { NumRetries = 1 }, Key("hdr-1", 0), Key("ok-h", 1));
        await using var gateway = await TestGateway.StartAsync(config);
        for (var i = 0; i < 6; i++)
        {
            using var response = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", Chat));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // hdr- answers OK but says "0 requests left, reset in 20 s": it is used once, then rests.
        Assert.Equal(1, _mock.Stats["hdr-1"].Calls);
        Assert.Equal(5, _mock.Stats["ok-h"].Calls);
    }
}
