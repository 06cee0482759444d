using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Upstream.UpstreamFaultKit;

namespace Switchboard.IntegrationTests.Upstream;

/// <summary>A client that hangs up mid-stream is the client's doing: the deployment stays healthy (architecture decision 11).</summary>
public sealed class ClientHangUpTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions(), CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("openai", "anthropic")]
    [InlineData("anthropic", "openai")]
    [InlineData("anthropic", "anthropic")]
    public async Task Stream_ClientHangsUpMidStream50Times_DeploymentHealthy(string provider, string api)
    {
        // A slow stream: 200 chunks 20 ms apart, so every hang-up lands mid-stream.
        var slow = Key(_mock, provider, "ok-hang", 1) with
        {
            ExtraHeaders = new Dictionary<string, string> { ["x-mock-chunks"] = "200", ["x-mock-chunk-delay-ms"] = "20" },
        };
        await using var gateway = await TestGateway.StartAsync(Pool(new RouterSettings { AllowedFails = 0 }, slow));

        for (var i = 0; i < 50; i++)
        {
            // A fresh connection per call, dropped with the response: the server sees the socket close mid-body.
            using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = gateway.BaseUrl };
            using var response = await client.SendAsync(Call(api, stream: true), HttpCompletionOption.ResponseHeadersRead);
            var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[256];
            Assert.True(await stream.ReadAsync(buffer) > 0);
            Assert.True(await stream.ReadAsync(buffer) > 0);
        }

        // The gateway notices each hang-up on its own schedule: wait until no call is in flight any more.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (gateway.Services.Router.Snapshot().Groups.Single().Deployments.Single().InFlight > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var status = (await StatusAsync(gateway))["dep-ok-hang"];
        Assert.Equal(0, status.Failures);
        Assert.False(status.Cooling);
        Assert.False(status.Disabled);
        Assert.DoesNotContain(gateway.Logs.Lines, l => l.Contains("stream broke mid-way", StringComparison.Ordinal));
    }
}
