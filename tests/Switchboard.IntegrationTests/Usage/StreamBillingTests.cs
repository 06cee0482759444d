using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Anthropic;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using Switchboard.Storage;
using static Switchboard.IntegrationTests.MockProvider.MockProviderHarness;

namespace Switchboard.IntegrationTests.Usage;

/// <summary>
/// A stream that ends early is billed for what it delivered: cancelled by the client, cut by <c>request_timeout</c>, or
/// broken upstream, in both client APIs through both kinds of pool (translated and passthrough).
/// </summary>
public sealed class StreamBillingTests
{
    private const string Master = "sk-master-billing-0123456789";

    /// <summary>About 100 s of stream: whatever ends it early, it is not its own end.</summary>
    private static readonly MockProviderOptions LongStreams = new() { DefaultChunks = 2000, DefaultChunkDelay = TimeSpan.FromMilliseconds(20) };

    private static GatewayConfig Pool(Uri upstream, string provider, string key, RouterSettings? router = null, GeneralSettings? general = null) => new()
    {
        // Two names for one deployment: OpenAI clients ask for "pool", Anthropic clients for a Claude model.
        ModelList =
        [
            Configs.Http("pool", "dep-" + key, upstream, key, provider),
            Configs.Http("claude-*", "dep-claude-" + key, upstream, key, provider, index: 1),
        ],
        Router = router ?? new RouterSettings { NumRetries = 0 },
        General = general ?? new GeneralSettings(),
    };

    private static HttpRequestMessage StreamRequest(string api, string? bearer = null)
    {
        if (api == "anthropic")
        {
            var request = AnthropicKit.Post("/v1/messages", AnthropicKit.Messages(AnthropicKit.Sonnet, "Tell me a long story about a lighthouse keeper.", stream: true));
            if (bearer is not null)
            {
                request.Headers.Remove("x-api-key");
                request.Headers.TryAddWithoutValidation("x-api-key", bearer);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            return request;
        }

        var chat = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(Chat("pool", "Tell me a long story about a lighthouse keeper.", stream: true), Encoding.UTF8, "application/json"),
        };
        chat.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? "sk-anything");
        return chat;
    }

    /// <summary>Reads the stream until <paramref name="deltas"/> text deltas arrived, then hangs up.</summary>
    private static async Task CancelAfterDeltasAsync(TestGateway gateway, string api, int deltas, string? bearer = null)
    {
        var response = await gateway.Client.SendAsync(StreamRequest(api, bearer), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var marker = api == "anthropic" ? "\"text_delta\"" : "\"content\":\"";
        var seen = 0;
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            while (seen < deltas && await reader.ReadLineAsync() is { } line)
            {
                if (line.Contains(marker, StringComparison.Ordinal))
                {
                    seen++;
                }
            }
        }

        Assert.Equal(deltas, seen);
        response.Dispose();
    }

    private static void AssertBilledEstimate(UsageRecord row)
    {
        Assert.True(row.TokensEstimated, "tokens not marked as estimated");
        Assert.True(row.PromptTokens > 0, $"prompt tokens {row.PromptTokens}");
        Assert.True(row.CompletionTokens > 0, $"completion tokens {row.CompletionTokens}");
        Assert.True(row.Cost > 0, $"cost {row.Cost}");
    }

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("openai", "anthropic")]
    [InlineData("anthropic", "openai")]
    [InlineData("anthropic", "anthropic")]
    public async Task ClientCancelsMidStream_RowBillsEstimatedDeliveredTokens(string api, string provider)
    {
        await using var mock = await MockProviderServer.StartAsync(LongStreams, CancellationToken.None);
        await using var gateway = await TestGateway.StartAsync(Pool(mock.BaseUrl, provider, "ok-cancel"));

        await CancelAfterDeltasAsync(gateway, api, deltas: 5);

        var row = await gateway.OneUsageRowAsync();
        AssertBilledEstimate(row);
        Assert.Equal("client_cancelled", row.ErrorClass);
        // Five deltas of the mock's words: a handful of tokens, not the 2000-chunk answer.
        Assert.InRange(row.CompletionTokens, 1, 100);
    }

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("openai", "anthropic")]
    [InlineData("anthropic", "openai")]
    [InlineData("anthropic", "anthropic")]
    public async Task RequestTimeoutMidStream_RowBillsEstimatedDeliveredTokens(string api, string provider)
    {
        await using var mock = await MockProviderServer.StartAsync(LongStreams, CancellationToken.None);
        await using var gateway = await TestGateway.StartAsync(Pool(mock.BaseUrl, provider, "ok-timeout",
            new RouterSettings { NumRetries = 0, RequestTimeout = TimeSpan.FromSeconds(1) }));

        using (var response = await gateway.Client.SendAsync(StreamRequest(api), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();

            // The cut stream ends with the protocol's error signal, never a clean end.
            Assert.Contains("request_timeout", body, StringComparison.Ordinal);
            Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
            Assert.DoesNotContain("message_stop", body, StringComparison.Ordinal);
            if (api == "anthropic")
            {
                Assert.EndsWith("event: error", body.TrimEnd().Split("\n\n")[^1].Split('\n')[0], StringComparison.Ordinal);
            }
        }

        var row = await gateway.OneUsageRowAsync();
        AssertBilledEstimate(row);
        Assert.Equal("request_timeout", row.ErrorClass);
    }

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("openai", "anthropic")]
    [InlineData("anthropic", "openai")]
    [InlineData("anthropic", "anthropic")]
    public async Task UpstreamBreaksMidStream_RowBillsEstimatedDeliveredTokens(string api, string provider)
    {
        await using var upstream = await BreakingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Pool(upstream.BaseUrl, provider, "ok-break"));

        using (var response = await gateway.Client.SendAsync(StreamRequest(api), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        var row = await gateway.OneUsageRowAsync();
        AssertBilledEstimate(row);
        Assert.Equal("stream_error", row.ErrorClass);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task CancellingStreamsRepeatedly_BudgetStillEnforced(string api)
    {
        // Each cancelled stream costs its estimated input alone more than the budget: the second call must be refused.
        await using var mock = await MockProviderServer.StartAsync(LongStreams, CancellationToken.None);
        var config = Pool(mock.BaseUrl, "openai", "ok-budget", general: new GeneralSettings { MasterKey = Master });
        config = config with
        {
            ModelList = [.. config.ModelList.Select(d => d with { ModelInfo = new ModelInfoConfig { InputCostPerToken = 0.001, OutputCostPerToken = 0.001 } })],
        };
        await using var gateway = await TestGateway.StartAsync(config);
        string key;
        using (var generate = new HttpRequestMessage(HttpMethod.Post, "/key/generate")
        {
            Content = new StringContent("""{"key_alias":"canceller","max_budget":0.005}""", Encoding.UTF8, "application/json"),
        })
        {
            generate.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
            using var answer = await gateway.Client.SendAsync(generate);
            using var doc = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
            key = doc.RootElement.GetProperty("key").GetString()!;
        }

        await CancelAfterDeltasAsync(gateway, api, deltas: 2, bearer: key);
        var row = await gateway.OneUsageRowAsync();
        Assert.True(row.Cost > 0.005, $"cost {row.Cost}");

        using var refused = await gateway.Client.SendAsync(StreamRequest(api, key), HttpCompletionOption.ResponseHeadersRead);
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("budget", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
