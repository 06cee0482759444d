using System.Data.Common;
using Switchboard.Storage;

namespace Switchboard.Tests.Storage;

public sealed class SqliteGatewayStoreTests : GatewayStoreTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-store-").FullName;

    private string DatabasePath => Path.Combine(_directory, "switchboard.db");

    private protected override Task<IGatewayStore> CreateStoreAsync() =>
        Task.FromResult<IGatewayStore>(new SqliteGatewayStore(DatabasePath));

    private protected override Task<IGatewayStore> CreateUnmigratedStoreAsync() =>
        Task.FromResult<IGatewayStore>(new SqliteGatewayStore(Path.Combine(_directory, "upgraded.db")));

    private protected override async Task<DbConnection> OpenRawConnectionAsync(IGatewayStore store)
    {
        var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={((SqliteGatewayStore)store).FilePath};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task MigrateAsync_NewFile_UsesWalJournalAnd16KiBPages()
    {
        Assert.Equal("wal", await PragmaAsync("journal_mode"));
        Assert.Equal(16384L, await PragmaAsync("page_size"));
    }

    [Fact]
    public async Task MigrateAsync_ExistingFileWithOtherPageSize_KeepsItsPagesAndData()
    {
        var path = Path.Combine(_directory, "old.db");
        await using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = "PRAGMA page_size=4096; CREATE TABLE t (x INTEGER);";
            await create.ExecuteNonQueryAsync();
        }

        await using var store = new SqliteGatewayStore(path);
        await store.MigrateAsync(CancellationToken.None);
        await store.WriteUsageAsync([new UsageRecord { Time = DateTimeOffset.UnixEpoch, RequestId = "r", ModelGroup = "g" }], CancellationToken.None);
        Assert.Equal(1, (await store.GetGlobalSpendAsync(null, null, CancellationToken.None)).Requests);
        Assert.Equal(4096L, await PragmaAsync("page_size", path));
    }

    private async Task<object?> PragmaAsync(string name, string? path = null)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path ?? DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + name;
        return await command.ExecuteScalarAsync();
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
