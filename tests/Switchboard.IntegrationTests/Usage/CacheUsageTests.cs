using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Config;
using Switchboard.IntegrationTests.Anthropic;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.Storage;
using static Switchboard.IntegrationTests.MockProvider.MockProviderHarness;

namespace Switchboard.IntegrationTests.Usage;

/// <summary>Prompt-cache reads and writes an Anthropic upstream reports are stored and priced, passthrough and translated.</summary>
public sealed class CacheUsageTests
{
    // What the upstream reports: 10 fresh input tokens, 200 written to the cache, 1000 read from it, 20 out.
    private const int Fresh = 10;
    private const int Written = 200;
    private const int Read = 1000;
    private const int Output = 20;

    private const string Usage = """{"input_tokens":10,"cache_creation_input_tokens":200,"cache_read_input_tokens":1000,"output_tokens":20}""";

    private static GatewayConfig Pool(Uri upstream, ModelInfoConfig? info = null)
    {
        ModelInfoConfig modelInfo = info ?? new();
        return new()
        {
            ModelList =
            [
                Configs.Http("claude-*", "dep-claude", upstream, "ok-cache", "anthropic", upstreamModel: "claude-sonnet-4-5") with { ModelInfo = modelInfo },
                Configs.Http("pool", "dep-pool", upstream, "ok-cache", "anthropic", upstreamModel: "claude-sonnet-4-5", index: 1) with { ModelInfo = modelInfo },
            ],
        };
    }

    /// <summary>claude-sonnet-4-5's list prices: 3 in, 0.30 cache read, 3.75 cache write, 15 out, per million.</summary>
    private const double BuiltInCost = ((Fresh * 3.0) + (Read * 0.30) + (Written * 3.75) + (Output * 15.0)) / 1_000_000;

    private static void AssertCacheRow(UsageRecord row, double cost)
    {
        Assert.Equal(Fresh + Written + Read, row.PromptTokens);
        Assert.Equal(Read, row.CachedTokens);
        Assert.Equal(Written, row.CacheCreationTokens);
        Assert.Equal(Output, row.CompletionTokens);
        Assert.False(row.TokensEstimated);
        Assert.Equal(cost, row.Cost, 12);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnthropicPassthrough_CacheTokens_StoredAndPricedAtCacheRates(bool stream)
    {
        await using var upstream = await CachingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Pool(upstream.BaseUrl));

        using (var response = await gateway.Client.SendAsync(AnthropicKit.Post("/v1/messages", AnthropicKit.Messages(AnthropicKit.Sonnet, "hi", stream))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        AssertCacheRow(await gateway.OneUsageRowAsync(), BuiltInCost);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAiClientOnAnthropicPool_CacheTokens_PricedWithModelInfoCachePrices(bool stream)
    {
        await using var upstream = await CachingUpstream.StartAsync();
        var info = new ModelInfoConfig
        {
            InputCostPerToken = 1e-6,
            OutputCostPerToken = 2e-6,
            CacheReadInputTokenCost = 1e-7,
            CacheCreationInputTokenCost = 4e-6,
        };
        await using var gateway = await TestGateway.StartAsync(Pool(upstream.BaseUrl, info));

        using (var response = await gateway.Client.PostAsync("/v1/chat/completions",
            new StringContent(Chat("pool", "hi", stream), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        AssertCacheRow(await gateway.OneUsageRowAsync(), (Fresh * 1e-6) + (Read * 1e-7) + (Written * 4e-6) + (Output * 2e-6));
    }

    /// <summary>An Anthropic upstream whose every answer reports prompt-cache reads and writes (the mock reports none).</summary>
    private sealed class CachingUpstream : IAsyncDisposable
    {
        private const string Answer =
            """{"id":"msg_c","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Hello from the cache."}],"stop_reason":"end_turn","stop_sequence":null,"usage":""" + Usage + "}";

        private const string Events =
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_c\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":200,\"cache_read_input_tokens\":1000,\"output_tokens\":1}}}\n\n" +
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello from the cache.\"}}\n\n" +
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":20}}\n\n" +
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

        private readonly LoopbackUpstream _server;

        private CachingUpstream(LoopbackUpstream server) => _server = server;

        public Uri BaseUrl => _server.BaseUrl;

        public static async Task<CachingUpstream> StartAsync() =>
            new(await LoopbackUpstream.StartAsync(app => app.MapPost("/v1/messages", AnswerAsync)));

        private static async Task AnswerAsync(HttpContext context)
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var stream = body.Contains("\"stream\":true", StringComparison.Ordinal);
            context.Response.ContentType = stream ? "text/event-stream" : "application/json";
            await context.Response.WriteAsync(stream ? Events : Answer);
        }

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }
}
