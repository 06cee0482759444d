using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.Storage;
using Switchboard.Tests.Storage;

namespace Switchboard.IntegrationTests.Storage;

/// <summary>The rollup contract (<see cref="UsageRollupTests"/>) on a real PostgreSQL server, one fresh database per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresUsageRollupTests(PostgresServer server) : UsageRollupTests
{
    private protected override async Task<IGatewayStore> CreateStoreAsync() =>
        new PostgresGatewayStore(await server.CreateDatabaseAsync());
}
