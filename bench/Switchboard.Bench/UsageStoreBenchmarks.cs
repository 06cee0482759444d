using BenchmarkDotNet.Attributes;
using Switchboard.Storage;

namespace Switchboard.Bench;

/// <summary>
/// The usage writer's cost per batch on the embedded store (one SQLite file in WAL mode): what the keys+usage load case
/// pays on the gateway's own CPU for every call. The table keeps growing across iterations, as it does in service.
/// </summary>
[MemoryDiagnoser]
public class UsageStoreBenchmarks
{
    private readonly List<UsageRecord> _batch = [];
    private string _directory = "";
    private SqliteGatewayStore? _store;

    [Params(500)]
    public int BatchSize { get; set; } = 500;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("switchboard-bench-").FullName;
        _store = new SqliteGatewayStore(Path.Combine(_directory, "usage.db"));
        _store.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        var rows = new BenchUsageRows();
        for (var i = 0; i < BatchSize; i++)
        {
            _batch.Add(rows.Row(i));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public Task WriteBatch() => _store!.WriteUsageAsync(_batch, CancellationToken.None);
}
