using System.Net;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Anthropic.AnthropicKit;
using static Switchboard.IntegrationTests.MockProvider.MockProviderHarness;

namespace Switchboard.IntegrationTests.Anthropic;

/// <summary>Streams that do not end well: an upstream that breaks mid-way, a client that goes away.</summary>
public sealed class AnthropicStreamFailureTests
{
    private static GatewayConfig Single(Uri upstream, string provider, string key) => new()
    {
        ModelList = [Configs.Http("claude-*", "dep-" + key, upstream, key, provider)],
        Router = new RouterSettings { NumRetries = 0 },
    };

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task UpstreamBreaksMidStream_EndsWithErrorEventNoMessageStop(string provider)
    {
        await using var upstream = await BreakingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Single(upstream.BaseUrl, provider, "ok-break"));

        using var response = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "hi", stream: true)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var events = ParseSse(body);
        Assert.Equal("error", events[^1].Event);
        Assert.DoesNotContain(events, e => e.Event is "message_stop" or "message_delta");
        var error = JsonDocument.Parse(events[^1].Data).RootElement;
        Assert.Equal("api_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("Hello ", body);
        if (provider == "openai")
        {
            // Translated: the gateway owns the event sequence, so the open text block is closed before the error.
            AssertWellFormed(body, expectError: true);
        }
    }

    [Fact]
    public async Task UpstreamBreaksMidStream_Passthrough_ClosesOpenBlockBeforeError()
    {
        await using var upstream = await BreakingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Single(upstream.BaseUrl, "anthropic", "ok-break"));

        using var response = await gateway.Client.SendAsync(Post("/v1/messages", Messages(Sonnet, "hi", stream: true)));

        AssertWellFormed(await response.Content.ReadAsStringAsync(), expectError: true);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task ClientDisconnectsMidStream_UpstreamCallCancelled(string provider)
    {
        // About 100 s of stream: in flight dropping to 0 within the 10 s poll can only be the cancellation.
        await using var mock = await MockProviderServer.StartAsync(
            new MockProviderOptions { DefaultChunks = 2000, DefaultChunkDelay = TimeSpan.FromMilliseconds(50) }, CancellationToken.None);
        await using var gateway = await TestGateway.StartAsync(Single(mock.BaseUrl, provider, "ok-gone"));

        var response = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "hi", stream: true)), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            while (await reader.ReadLineAsync() is { } line && !line.Contains("content_block_delta", StringComparison.Ordinal))
            {
            }
        }

        Assert.Equal(1, mock.Stats["ok-gone"].InFlight);
        response.Dispose();

        await EventuallyAsync(() => mock.Stats["ok-gone"].InFlight == 0);
        Assert.Equal(1, mock.Stats["ok-gone"].Calls);
    }

    [Fact]
    public async Task ClientDisconnectsBeforeFirstByte_UpstreamCallCancelled()
    {
        await using var mock = await MockProviderServer.StartAsync(new MockProviderOptions { SlowDelay = TimeSpan.FromMinutes(10) }, CancellationToken.None);
        await using var gateway = await TestGateway.StartAsync(Single(mock.BaseUrl, "openai", "slow-gone"));
        using var cts = new CancellationTokenSource();

        var call = gateway.Client.SendAsync(Post("/v1/messages", Messages(Sonnet, "hi", stream: true)), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        await EventuallyAsync(() => mock.Stats["slow-gone"].InFlight == 1);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await EventuallyAsync(() => mock.Stats["slow-gone"].InFlight == 0);
        Assert.Equal(1, mock.Stats["slow-gone"].Calls);
    }
}
