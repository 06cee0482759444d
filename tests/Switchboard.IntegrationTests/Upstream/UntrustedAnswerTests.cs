using System.Net;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Upstream.UpstreamFaultKit;

namespace Switchboard.IntegrationTests.Upstream;

/// <summary>
/// Upstream answers are checked before they are trusted (architecture decision 10): 2xx bodies that are not the answer are
/// retried elsewhere before the first byte, cut or stalled streams end with the protocol's error, and every such
/// deployment is counted as failed in /router/status.
/// </summary>
public sealed class UntrustedAnswerTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("openai", "anthropic")]
    [InlineData("anthropic", "openai")]
    [InlineData("anthropic", "anthropic")]
    public async Task NonStream_PoolOfLyingKeysAndOneHealthy_EveryCallSucceedsAndLiarsCountedFailed(string provider, string api)
    {
        // "order" tries the liars first, in turn, on every call: each one is met, and the healthy key serves.
        var config = Pool(new RouterSettings { RoutingStrategy = "order", NumRetries = 6 },
            Key(_mock, provider, "html-1", 1), Key(_mock, provider, "trunc-1", 2), Key(_mock, provider, "ctype-1", 3),
            Key(_mock, provider, "cut-1", 5), Key(_mock, provider, "stall-1", 5), Key(_mock, provider, "ok-1", 9));
        await using var gateway = await TestGateway.StartAsync(config);

        for (var i = 0; i < 6; i++)
        {
            using var response = await gateway.Client.SendAsync(Call(api, stream: false));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var root = JsonDocument.Parse(body).RootElement;
            Assert.True(api == "openai" ? root.TryGetProperty("choices", out _) : root.GetProperty("type").GetString() == "message", body);
        }

        var status = await StatusAsync(gateway);
        foreach (var liar in new[] { "dep-html-1", "dep-trunc-1", "dep-ctype-1" })
        {
            Assert.True(status[liar].Failures >= 1, liar);
            Assert.Equal(0, status[liar].Successes);
        }

        // Their stream faults do not touch non-stream answers: those keys served.
        Assert.Equal(0, status["dep-cut-1"].Failures + status["dep-stall-1"].Failures);
        Assert.Equal(6, status["dep-cut-1"].Successes + status["dep-stall-1"].Successes);
    }

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("anthropic", "anthropic")]
    public async Task NonStream_OnlyLyingKeys_502InCallersFormat(string provider, string api)
    {
        var config = Pool(new RouterSettings { NumRetries = 3 },
            Key(_mock, provider, "html-2", 1), Key(_mock, provider, "trunc-2", 2), Key(_mock, provider, "ctype-2", 3));
        await using var gateway = await TestGateway.StartAsync(config);

        using var response = await gateway.Client.SendAsync(Call(api, stream: false));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var root = JsonDocument.Parse(body).RootElement;
        if (api == "openai")
        {
            Assert.Contains("2xx", root.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("error", root.GetProperty("type").GetString());
            Assert.Equal("api_error", root.GetProperty("error").GetProperty("type").GetString());
        }

        Assert.DoesNotContain("<html", body, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("openai", "anthropic")]
    [InlineData("anthropic", "openai")]
    [InlineData("anthropic", "anthropic")]
    public async Task Stream_PagesInsteadOfAStream_RetriedBeforeFirstByte(string provider, string api)
    {
        var config = Pool(new RouterSettings { RoutingStrategy = "order", NumRetries = 4 },
            Key(_mock, provider, "html-3", 1), Key(_mock, provider, "ctype-3", 2), Key(_mock, provider, "trunc-3", 3), Key(_mock, provider, "ok-3", 4));
        await using var gateway = await TestGateway.StartAsync(config);

        using var response = await gateway.Client.SendAsync(Call(api, stream: true));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = ParseSse(body);
        Assert.True(api == "openai" ? events[^1].Data == "[DONE]" : events[^1].Event == "message_stop", body);
        var status = await StatusAsync(gateway);
        Assert.Equal(1, status["dep-html-3"].Failures);
        Assert.Equal(1, status["dep-ctype-3"].Failures);
        Assert.Equal(1, status["dep-trunc-3"].Failures);
        Assert.Equal(1, status["dep-ok-3"].Successes);
    }

    [Theory]
    [InlineData("openai", "openai", false)]
    [InlineData("openai", "openai", true)]
    [InlineData("openai", "anthropic", false)]
    [InlineData("openai", "anthropic", true)]
    [InlineData("anthropic", "openai", false)]
    [InlineData("anthropic", "openai", true)]
    [InlineData("anthropic", "anthropic", false)]
    [InlineData("anthropic", "anthropic", true)]
    public async Task Stream_UpstreamEndsWithoutTerminalEvent_ErrorSignalAndFailureCounted(string provider, string api, bool tool)
    {
        await using var gateway = await TestGateway.StartAsync(Pool(new RouterSettings(), Key(_mock, provider, "cut-9", 1)));

        using var response = await gateway.Client.SendAsync(Call(api, stream: true, tool));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = AssertEndsWithError(api, body);
        if (tool && api == "anthropic")
        {
            // The cut arguments are passed on as they came and never completed: no parseable input, no tool_use stop.
            var partial = string.Concat(events.Where(e => e.Event == "content_block_delta")
                .Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("delta"))
                .Where(d => d.GetProperty("type").GetString() == "input_json_delta")
                .Select(d => d.GetProperty("partial_json").GetString()));
            Assert.StartsWith("{", partial, StringComparison.Ordinal);
            Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(partial));
        }

        var status = await StatusAsync(gateway);
        Assert.Equal(1, status["dep-cut-9"].Failures);
        Assert.Equal(0, status["dep-cut-9"].Successes);
    }

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("openai", "anthropic")]
    [InlineData("anthropic", "openai")]
    [InlineData("anthropic", "anthropic")]
    public async Task Stream_UpstreamStalls_IdleTimeoutEndsWithErrorAndCountsTimeout(string provider, string api)
    {
        var stalled = Key(_mock, provider, "stall-9", 1) with { StreamIdleTimeout = TimeSpan.FromMilliseconds(500) };
        await using var gateway = await TestGateway.StartAsync(Pool(new RouterSettings(), stalled));

        var started = DateTime.UtcNow;
        using var response = await gateway.Client.SendAsync(Call(api, stream: true));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "the stalled stream was not ended by stream_idle_timeout");
        var events = AssertEndsWithError(api, body);
        Assert.Contains("stream_idle_timeout", events[^1].Data, StringComparison.Ordinal);
        var status = await StatusAsync(gateway);
        Assert.Equal(1, status["dep-stall-9"].ByKind.GetProperty("timeout").GetInt64());
    }

    [Fact]
    public async Task Stream_RouterSettingsIdleTimeout_AppliesWithoutDeploymentValue()
    {
        var config = Pool(new RouterSettings { StreamIdleTimeout = TimeSpan.FromMilliseconds(500) }, Key(_mock, "openai", "stall-8", 1));
        await using var gateway = await TestGateway.StartAsync(config);

        using var response = await gateway.Client.SendAsync(Call("openai", stream: true));
        var body = await response.Content.ReadAsStringAsync();

        AssertEndsWithError("openai", body);
        Assert.Equal(1, (await StatusAsync(gateway))["dep-stall-8"].Failures);
    }
}
