using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.Storage;
using Switchboard.Tests.Storage;

namespace Switchboard.IntegrationTests.Storage;

/// <summary>The stored-deployment contract (<see cref="ModelDeploymentStoreTests"/>) on a real PostgreSQL server, one fresh database per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresModelDeploymentStoreTests(PostgresServer server) : ModelDeploymentStoreTests
{
    private protected override async Task<IGatewayStore> CreateStoreAsync() =>
        new PostgresGatewayStore(await server.CreateDatabaseAsync());
}
