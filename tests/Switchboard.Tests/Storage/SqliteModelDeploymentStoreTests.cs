using Switchboard.Storage;

namespace Switchboard.Tests.Storage;

public sealed class SqliteModelDeploymentStoreTests : ModelDeploymentStoreTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-models-").FullName;

    private protected override Task<IGatewayStore> CreateStoreAsync() =>
        Task.FromResult<IGatewayStore>(new SqliteGatewayStore(Path.Combine(_directory, "switchboard.db")));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
