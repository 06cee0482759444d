using System.Net;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>Starting, probing and stopping the server, and the CLI entry point's failure path.</summary>
public sealed class MockProviderLifecycleTests
{
    [Fact]
    public async Task StartAsync_PortZero_BindsLoopbackAndAnswersHeadProbe()
    {
        await using var server = await MockProviderServer.StartAsync(new MockProviderOptions(), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(0, server.Port);
        Assert.Equal($"http://127.0.0.1:{server.Port}/", server.BaseUrl.ToString());
    }

    [Fact]
    public async Task StopAsync_Twice_StopsListeningOnce()
    {
        var server = await MockProviderServer.StartAsync(new MockProviderOptions(), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };

        await server.StopAsync();
        await server.StopAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/v1/models"));
    }

    [Fact]
    public async Task RunAsync_PortInUse_ReturnsOne()
    {
        await using var taken = await MockProviderServer.StartAsync(new MockProviderOptions(), CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var exitCode = await MockProviderServer.RunAsync(new MockProviderOptions { Port = taken.Port }, cts.Token);

        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task RunAsync_Cancelled_ReturnsZero()
    {
        using var cts = new CancellationTokenSource();
        var run = MockProviderServer.RunAsync(new MockProviderOptions(), cts.Token);

        await cts.CancelAsync();

        Assert.Equal(0, await run);
    }
}
