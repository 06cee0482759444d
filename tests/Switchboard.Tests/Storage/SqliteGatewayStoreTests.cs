using Switchboard.Storage;

namespace Switchboard.Tests.Storage;

public sealed class SqliteGatewayStoreTests : GatewayStoreTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-store-").FullName;

    private string DatabasePath => Path.Combine(_directory, "switchboard.db");

    private protected override Task<IGatewayStore> CreateStoreAsync() =>
        Task.FromResult<IGatewayStore>(new SqliteGatewayStore(DatabasePath));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task MigrateAsync_NewFile_UsesWalJournal()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync() as string);
    }

    [Fact]
    public async Task WriteUsageAsync_ConcurrentBatches_AllRowsWritten()
    {
        var batches = Enumerable.Range(0, 8).Select(b => Store.WriteUsageAsync(
            Enumerable.Range(0, 50).Select(i => new UsageRecord
            {
                Time = DateTimeOffset.UnixEpoch.AddSeconds(b * 100 + i),
                RequestId = $"{b}-{i}",
                ModelGroup = "g",
            }).ToList(), CancellationToken.None));
        await Task.WhenAll(batches);
        Assert.Equal(400, (await Store.GetGlobalSpendAsync(null, null, CancellationToken.None)).Requests);
    }
}
