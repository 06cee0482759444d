using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.Storage;
using Switchboard.Tests.Storage;

namespace Switchboard.IntegrationTests.Storage;

/// <summary>The store contract (<see cref="GatewayStoreTests"/>) on a real PostgreSQL server, one fresh database per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresGatewayStoreTests(PostgresServer server) : GatewayStoreTests
{
    private protected override async Task<IGatewayStore> CreateStoreAsync() =>
        new PostgresGatewayStore(await server.CreateDatabaseAsync());

    [Fact]
    public async Task MigrateAsync_ConcurrentInstances_ApplyOnce()
    {
        var connectionString = await server.CreateDatabaseAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresGatewayStore(connectionString)).ToList();
        await Task.WhenAll(stores.Select(s => s.MigrateAsync(CancellationToken.None)));
        await stores[0].InsertKeyAsync(NewKey("h1"), CancellationToken.None);
        Assert.NotNull(await stores[3].GetKeyByHashAsync("h1", CancellationToken.None));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }
}
