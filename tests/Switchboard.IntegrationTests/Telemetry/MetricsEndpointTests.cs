using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Telemetry;

/// <summary><c>GET /metrics</c> after a scripted mix of calls through the real gateway in front of the mock provider.</summary>
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private const string Master = "sk-master-metrics-0123456789";
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 3 }, CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    private static readonly ModelInfoConfig Priced = new() { InputCostPerToken = 0.001, OutputCostPerToken = 0.002 };

    private GatewayConfig MixConfig(GeneralSettings? general = null, LiteLlmSettings? liteLlm = null) => new()
    {
        ModelList =
        [
            Configs.Http("glm-pool", "d1", _mock.BaseUrl, "rl-aaa", index: 0) with { ModelInfo = Priced },
            Configs.Http("glm-pool", "d2", _mock.BaseUrl, "ok-bbb", index: 1) with { ModelInfo = Priced },
            Configs.Http("broken", "d3", _mock.BaseUrl, "err-ccc", index: 2),
            Configs.Http("backup", "d4", _mock.BaseUrl, "ok-ddd", index: 3) with { ModelInfo = Priced },
        ],
        Router = new RouterSettings { NumRetries = 1, AllowedFails = 0, Fallbacks = [new FallbackRule("broken", ["backup"])] },
        General = general ?? new GeneralSettings { MasterKey = Master },
        LiteLlm = liteLlm ?? new LiteLlmSettings(),
    };

    [Fact]
    public async Task Metrics_AfterMixOfCalls_LiteLlmNamesLabelsAndCountsMatchTheMock()
    {
        await using var gateway = await TestGateway.StartAsync(MixConfig());
        var virtualKey = await GenerateKeyAsync(gateway, """{"key_alias":"team-a","max_budget":10}""");

        for (var i = 0; i < 3; i++)
        {
            await ExpectAsync(gateway, Chat(virtualKey, "glm-pool", stream: false), HttpStatusCode.OK);
        }

        await ExpectAsync(gateway, Chat(Master, "glm-pool", stream: true), HttpStatusCode.OK);
        await ExpectAsync(gateway, Chat(Master, "glm-pool", stream: true), HttpStatusCode.OK);
        await ExpectAsync(gateway, Messages(virtualKey, stream: false), HttpStatusCode.OK);
        await ExpectAsync(gateway, Messages(virtualKey, stream: true), HttpStatusCode.OK);
        await ExpectAsync(gateway, Chat(Master, "broken", stream: false), HttpStatusCode.OK);
        await ExpectAsync(gateway, Chat(virtualKey, "nope", stream: false), HttpStatusCode.BadRequest);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        using var response = await gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var (samples, types) = PrometheusTextParser.Parse(text, openMetrics: false);

        // Counters under prometheus_client's names: declared and written with _total.
        Assert.Equal("counter", types["litellm_proxy_total_requests_metric_total"]);
        Assert.Equal("histogram", types["litellm_request_total_latency_metric"]);
        Assert.Equal(9, Sum(samples, "litellm_proxy_total_requests_metric_total"));
        Assert.Equal(7, Sum(samples, "litellm_proxy_total_requests_metric_total", ("route", "/v1/chat/completions")));
        Assert.Equal(2, Sum(samples, "litellm_proxy_total_requests_metric_total", ("route", "/v1/messages")));
        Assert.Equal(8, Sum(samples, "litellm_proxy_total_requests_metric_total", ("status_code", "200")));
        var failed = Assert.Single(samples, s => s.Name == "litellm_proxy_failed_requests_metric_total");
        Assert.Equal(("nope", "400", "BadRequestError", "team-a"), (failed.Label("requested_model"), failed.Label("exception_status"), failed.Label("exception_class"), failed.Label("api_key_alias")));
        Assert.Equal(1, failed.Value);
        foreach (var label in new[] { "end_user", "hashed_api_key", "api_key_alias", "requested_model", "team", "team_alias", "user", "status_code", "model_id", "route" })
        {
            Assert.All(samples.Where(s => s.Name == "litellm_proxy_total_requests_metric_total"), s => Assert.True(s.Labels.ContainsKey(label), label));
        }

        // Virtual-key calls carry the key's hash and alias; the key itself appears nowhere.
        Assert.Equal(6, Sum(samples, "litellm_proxy_total_requests_metric_total", ("api_key_alias", "team-a")));
        Assert.Equal(Switchboard.Auth.KeyHasher.Hash(virtualKey),
            samples.First(s => s.Name == "litellm_proxy_total_requests_metric_total" && s.Label("api_key_alias") == "team-a").Label("hashed_api_key"));

        // Deployment counters equal what the mock saw, key by key.
        var stats = _mock.Stats;
        Assert.Equal(stats.Total, Sum(samples, "litellm_deployment_total_requests_total"));
        foreach (var (id, key) in new[] { ("d1", "rl-aaa"), ("d2", "ok-bbb"), ("d3", "err-ccc"), ("d4", "ok-ddd") })
        {
            Assert.Equal(stats[key].Calls, Sum(samples, "litellm_deployment_total_requests_total", ("model_id", id)));
        }

        Assert.Equal(1, stats["rl-aaa"].Calls);
        Assert.Equal(7, Sum(samples, "litellm_deployment_success_responses_total", ("model_id", "d2")));
        Assert.Equal(1, Sum(samples, "litellm_deployment_success_responses_total", ("model_id", "d4")));
        Assert.Equal(1, Sum(samples, "litellm_deployment_failure_responses_total", ("model_id", "d1"), ("exception_status", "429"), ("exception_class", "RateLimitError")));
        Assert.Equal(stats["err-ccc"].Calls, Sum(samples, "litellm_deployment_failure_responses_total", ("model_id", "d3"), ("exception_status", "500")));
        var d2 = samples.First(s => s.Name == "litellm_deployment_success_responses_total" && s.Label("model_id") == "d2");
        Assert.Equal(("glm-4.6", "openai", "glm-pool"), (d2.Label("litellm_model_name"), d2.Label("api_provider"), d2.Label("requested_model")));
        Assert.StartsWith(_mock.BaseUrl.ToString().TrimEnd('/'), d2.Label("api_base"), StringComparison.Ordinal);

        // Cooldowns: counted once per cooldown, with the status, and with Switchboard's reason; the state gauge says outage.
        Assert.Equal(1, Sum(samples, "litellm_deployment_cooled_down_total", ("model_id", "d1"), ("exception_status", "429")));
        Assert.Equal(1, Sum(samples, "litellm_deployment_cooled_down_total", ("model_id", "d3"), ("exception_status", "500")));
        Assert.Equal(1, Sum(samples, "switchboard_deployment_cooldowns_total", ("model_id", "d1"), ("reason", "RateLimited")));
        Assert.Equal(1, Sum(samples, "switchboard_deployment_cooldowns_total", ("model_id", "d3"), ("reason", "Retryable")));
        Assert.True(Sum(samples, "switchboard_deployment_cooldown_seconds", ("model_id", "d1"), ("reason", "RateLimited")) > 0);
        Assert.Equal(2, Sum(samples, "litellm_deployment_state", ("model_id", "d1")));
        Assert.Equal(2, Sum(samples, "litellm_deployment_state", ("model_id", "d3")));
        Assert.Equal(0, Sum(samples, "litellm_deployment_state", ("model_id", "d2")));

        // The fallback from broken to backup served the call.
        Assert.Equal(1, Sum(samples, "litellm_deployment_successful_fallbacks_total", ("requested_model", "broken"), ("fallback_model", "backup")));
        Assert.Equal(0, Sum(samples, "litellm_deployment_failed_fallbacks_total"));

        // Latency histograms with LiteLLM's buckets, one observation per served call; TTFT for the streams.
        Assert.Equal(8, Sum(samples, "litellm_request_total_latency_metric_count"));
        Assert.Equal(8, Sum(samples, "litellm_llm_api_latency_metric_count"));
        Assert.Equal(8, Sum(samples, "litellm_overhead_latency_metric_count"));
        Assert.True(Sum(samples, "litellm_llm_api_time_to_first_token_metric_count") >= 3);
        Assert.Equal(9 - 1, Sum(samples, "litellm_request_queue_time_seconds_count"));
        var les = samples.Where(s => s.Name == "litellm_request_total_latency_metric_bucket").Select(s => s.Label("le")).Distinct().ToList();
        Assert.Equal(["0.005", "0.00625", "0.0125", "0.025", "0.05", "0.1", "0.5", "1.0", "1.5", "2.0"], les.Take(10));
        Assert.Equal(["240.0", "300.0", "+Inf"], les.TakeLast(3));

        // Tokens and spend per key and model.
        var input = Sum(samples, "litellm_input_tokens_metric_total");
        var output = Sum(samples, "litellm_output_tokens_metric_total");
        Assert.True(input > 0 && output > 0);
        Assert.Equal(input + output, Sum(samples, "litellm_total_tokens_metric_total"));
        Assert.True(Sum(samples, "litellm_spend_metric_total", ("api_key_alias", "team-a")) > 0);
        Assert.Equal(10, Sum(samples, "litellm_api_key_max_budget_metric", ("api_key_alias", "team-a")));
        var remaining = Sum(samples, "litellm_remaining_api_key_budget_metric", ("api_key_alias", "team-a"));
        Assert.True(remaining is > 9 and < 10, remaining.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Gauges read at scrape time.
        Assert.Equal(0, Sum(samples, "litellm_in_flight_requests"));
        Assert.Contains(samples, s => s.Name == "switchboard_wait_queue_length" && s.Label("model_group") == "glm-pool");
        Assert.Contains(samples, s => s.Name == "switchboard_usage_writer_backlog");
        Assert.Contains(samples, s => s.Name == "switchboard_usage_writer_dropped_records_total");

        // No key material anywhere: not the upstream keys, not the master key, not the virtual key.
        foreach (var secret in new[] { "rl-aaa", "ok-bbb", "err-ccc", "ok-ddd", Master, virtualKey })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metrics_UpstreamSaysQuotaSpent_RemainingRequestsZeroAndPreEmptiveCooldownCounted()
    {
        // hdr- keys answer normally with x-ratelimit-remaining-requests: 0 (reset in 20 s).
        var config = new GatewayConfig { ModelList = [Configs.Http("hdr-pool", "d-hdr", _mock.BaseUrl, "hdr-eee")] };
        await using var gateway = await TestGateway.StartAsync(config);
        await ExpectAsync(gateway, Chat("any", "hdr-pool", stream: false), HttpStatusCode.OK);
        var (samples, _) = PrometheusTextParser.Parse(await gateway.Client.GetStringAsync("/metrics"), openMetrics: false);
        var remaining = Assert.Single(samples, s => s.Name == "litellm_remaining_requests_metric");
        Assert.Equal(("hdr-pool", "d-hdr", "openai", 0.0), (remaining.Label("model_group"), remaining.Label("model_id"), remaining.Label("api_provider"), remaining.Value));
        Assert.Equal(1, Sum(samples, "litellm_deployment_cooled_down_total", ("model_id", "d-hdr"), ("exception_status", "429")));
        Assert.Equal(1, Sum(samples, "switchboard_deployment_cooldowns_total", ("model_id", "d-hdr"), ("reason", "RateLimited")));
        Assert.Equal(2, Sum(samples, "litellm_deployment_state", ("model_id", "d-hdr")));
    }

    [Fact]
    public async Task Metrics_AcceptOpenMetrics_AnswersOpenMetricsWithEof()
    {
        await using var gateway = await TestGateway.StartAsync(MixConfig());
        await ExpectAsync(gateway, Chat(Master, "backup", stream: false), HttpStatusCode.OK);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.ParseAdd("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        using var response = await gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("application/openmetrics-text", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var (samples, types) = PrometheusTextParser.Parse(text, openMetrics: true);
        Assert.Equal("counter", types["litellm_proxy_total_requests_metric"]);
        Assert.Equal(1, Sum(samples, "litellm_proxy_total_requests_metric_total"));
        Assert.EndsWith("# EOF\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_RequireAuth_NeedsAKey()
    {
        await using var gateway = await TestGateway.StartAsync(MixConfig(liteLlm: new LiteLlmSettings { RequireAuthForMetricsEndpoint = true }));
        using (var anonymous = await gateway.Client.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE litellm_proxy_total_requests_metric_total counter", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_NoAuthByDefault_AndMetricsPortServesOnlyMetrics()
    {
        var port = RepoPaths.FreePort();
        await using var gateway = await TestGateway.StartAsync(MixConfig(new GeneralSettings { MasterKey = Master, MetricsPort = port }));
        using (var open = await gateway.Client.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using (var metrics = await client.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        }

        using var other = await client.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Metrics_DisableMetrics_NoEndpoint()
    {
        await using var gateway = await TestGateway.StartAsync(MixConfig(new GeneralSettings { MasterKey = Master, DisableMetrics = true }));
        await ExpectAsync(gateway, Chat(Master, "backup", stream: false), HttpStatusCode.OK);
        using var response = await gateway.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    internal static double Sum(List<PromSample> samples, string name, params (string Label, string Value)[] where) =>
        samples.Where(s => s.Name == name && where.All(w => s.Label(w.Label) == w.Value)).Sum(s => s.Value);

    private static async Task<string> GenerateKeyAsync(TestGateway gateway, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/key/generate") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
        using var response = await gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("key").GetString()!;
    }

    internal static HttpRequestMessage Chat(string key, string model, bool stream)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(
                $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello there friend"}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    private static HttpRequestMessage Messages(string key, bool stream)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent(
                $$"""{"model":"glm-pool","max_tokens":100,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hello there friend"}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Add("x-api-key", key);
        return request;
    }

    internal static async Task ExpectAsync(TestGateway gateway, HttpRequestMessage request, HttpStatusCode status)
    {
        using (request)
        {
            using var response = await gateway.Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{request.RequestUri}: {(int)response.StatusCode} {body}");
        }
    }
}
