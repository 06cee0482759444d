using System.Net;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Upstream.UpstreamFaultKit;

namespace Switchboard.IntegrationTests.Upstream;

/// <summary>
/// Streams whose shape the relays must read right whether the client's protocol is the upstream's (passthrough) or not
/// (translated): a failure reported in an error event is the deployment's failure even when the stream then ends
/// normally (architecture decision 10), and a Python server's spacing and bare-CR line ends are a normal stream.
/// </summary>
public sealed class InBandStreamTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("anthropic", "anthropic")]
    [InlineData("openai", "anthropic")]
    [InlineData("anthropic", "openai")]
    public async Task Stream_ErrorEventThenNormalEnd_ClientSeesTheErrorAndTheDeploymentFails(string provider, string api)
    {
        await using var gateway = await TestGateway.StartAsync(Pool(new RouterSettings(), Key(_mock, provider, "errdone-1", 1)));

        using var response = await gateway.Client.SendAsync(Call(api, stream: true));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = ParseSse(body);
        if (api == "openai")
        {
            Assert.Contains(events, e => e.Data.StartsWith("{\"error\":", StringComparison.Ordinal));
        }
        else
        {
            // An error event ends a failed stream: nothing after it.
            Assert.Equal("error", events[^1].Event);
            Assert.DoesNotContain(events, e => e.Event is "message_stop");
        }

        var status = await StatusAsync(gateway);
        Assert.Equal(1, status["dep-errdone-1"].Failures);
        Assert.Equal(0, status["dep-errdone-1"].Successes);
        var row = await gateway.OneUsageRowAsync();
        Assert.Equal("stream_error", row.ErrorClass);
    }

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("anthropic", "anthropic")]
    [InlineData("openai", "anthropic")]
    [InlineData("anthropic", "openai")]
    public async Task Stream_PythonSpacingAndBareCrLineEnds_ACleanAnswerWithoutTheUnaskedUsageChunk(string provider, string api)
    {
        await using var gateway = await TestGateway.StartAsync(Pool(new RouterSettings(), Key(_mock, provider, "pyjson-1", 1)));

        using var response = await gateway.Client.SendAsync(Call(api, stream: true));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = ParseSse(body.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n'));
        Assert.DoesNotContain(events, e => e.Event == "error" || e.Data.Contains("\"error\"", StringComparison.Ordinal));
        if (api == "openai")
        {
            Assert.Equal("[DONE]", events[^1].Data);

            // The client did not ask for usage: the chunk with empty choices the gateway asked for is not passed on.
            Assert.DoesNotContain(events, e => e.Data.Replace(" ", "", StringComparison.Ordinal).Contains("\"choices\":[]", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal("message_stop", events[^1].Event);
        }

        var status = await StatusAsync(gateway);
        Assert.Equal(0, status["dep-pyjson-1"].Failures);
        Assert.Equal(1, status["dep-pyjson-1"].Successes);
        var row = await gateway.OneUsageRowAsync();
        Assert.Null(row.ErrorClass);
    }
}
