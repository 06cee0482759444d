using System.Data.Common;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.Storage;
using Switchboard.Tests.Storage;

namespace Switchboard.IntegrationTests.Storage;

/// <summary>The store contract (<see cref="GatewayStoreTests"/>) on a real PostgreSQL server, one fresh database per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresGatewayStoreTests(PostgresServer server) : GatewayStoreTests
{
    private readonly Dictionary<IGatewayStore, string> _connectionStrings = [];

    private protected override async Task<IGatewayStore> CreateStoreAsync() =>
        new PostgresGatewayStore(await server.CreateDatabaseAsync());

    private protected override async Task<IGatewayStore> CreateUnmigratedStoreAsync()
    {
        var connectionString = await server.CreateDatabaseAsync();
        var store = new PostgresGatewayStore(connectionString);
        _connectionStrings[store] = connectionString;
        return store;
    }

    private protected override async Task<DbConnection> OpenRawConnectionAsync(IGatewayStore store)
    {
        var connection = new Npgsql.NpgsqlConnection(_connectionStrings[store]);
        await connection.OpenAsync();
        return connection;
    }

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
