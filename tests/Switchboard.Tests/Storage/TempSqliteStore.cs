using Switchboard.Storage;

namespace Switchboard.Tests.Storage;

/// <summary>A migrated SQLite store in its own temp directory, deleted on dispose.</summary>
internal sealed class TempSqliteStore : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-test-").FullName;

    private TempSqliteStore()
    {
        Store = new SqliteGatewayStore(FilePath);
    }

    public SqliteGatewayStore Store { get; }

    public string FilePath => Path.Combine(_directory, "switchboard.db");

    public string DirectoryPath => _directory;

    public static async Task<TempSqliteStore> CreateAsync()
    {
        var temp = new TempSqliteStore();
        await temp.Store.MigrateAsync(CancellationToken.None);
        return temp;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
