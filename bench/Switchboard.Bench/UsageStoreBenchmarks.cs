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

    /// <summary>Secondary indexes on usage_logs dropped before the run, to price each one's b-tree insert per row.</summary>
    [Params("none", "deployment", "deployment+group")]
    public string Dropped { get; set; } = "none";

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("switchboard-bench-").FullName;
        _store = new SqliteGatewayStore(Path.Combine(_directory, "usage.db"));
        _store.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        DropIndexes();
        var keyHash = new string('a', 64);
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < BatchSize; i++)
        {
            _batch.Add(new UsageRecord
            {
                Time = start.AddMilliseconds(i),
                RequestId = "chatcmpl-" + Guid.NewGuid().ToString("N"),
                KeyHash = keyHash,
                KeyAlias = "bench",
                ModelGroup = "glm-4.6",
                DeploymentId = "glm-4.6-" + (i % 4),
                UpstreamModel = "glm-4.6",
                HttpStatus = 200,
                Retries = 0,
                PromptTokens = 250,
                CompletionTokens = 40,
                CachedTokens = 0,
                Cost = 0.000_5,
                LatencyMs = 1.9,
                Api = "openai",
            });
        }
    }

    private void DropIndexes()
    {
        var names = Dropped switch
        {
            "deployment" => ["ix_usage_logs_deployment_ts"],
            "deployment+group" => new[] { "ix_usage_logs_deployment_ts", "ix_usage_logs_group_ts" },
            _ => [],
        };
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + Path.Combine(_directory, "usage.db"));
        connection.Open();
        foreach (var name in names)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DROP INDEX IF EXISTS " + name;
            command.ExecuteNonQuery();
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
