using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Cluster;

/// <summary>
/// What the cluster tests set up alike: a throwaway <c>redis-server</c>, the mock provider as the upstream the instances
/// share, and the gateway instances a test starts. Disposed in that order reversed: the gateways, the mock, Redis.
/// </summary>
internal sealed class ClusterRig : IAsyncDisposable
{
    public RedisServer Redis { get; } = new();

    public MockProviderServer Mock { get; private set; } = null!;

    /// <summary>The instances a test started, disposed with the rig (in the order they were added).</summary>
    public List<TestGateway> Gateways { get; } = [];

    /// <summary>Starts Redis, then the mock provider (on a free port unless <paramref name="mock"/> says otherwise).</summary>
    public async Task StartAsync(MockProviderOptions? mock = null)
    {
        await Redis.InitializeAsync();
        Mock = await MockProviderServer.StartAsync(mock ?? new MockProviderOptions { Port = 0 }, CancellationToken.None);
    }

    /// <summary>Starts one gateway instance and keeps it for disposal.</summary>
    public async Task<TestGateway> StartGatewayAsync(GatewayConfig config, string? databasePath = null, TimeSpan? modelPollInterval = null)
    {
        var gateway = await TestGateway.StartAsync(config, databasePath: databasePath, modelPollInterval: modelPollInterval);
        Gateways.Add(gateway);
        return gateway;
    }

    /// <summary>Disposes the instances started so far (what a test must stop before its own extra processes).</summary>
    public async Task DisposeGatewaysAsync()
    {
        foreach (var gateway in Gateways)
        {
            await gateway.DisposeAsync();
        }

        Gateways.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeGatewaysAsync();
        await Mock.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
