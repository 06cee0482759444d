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
        var keyHash = new string('a', 64);
        string[] deployments = ["glm-4.6-0", "glm-4.6-1", "glm-4.6-2", "glm-4.6-3"];
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
                DeploymentId = deployments[i % 4],
                UpstreamModel = "glm-4.6",
                HttpStatus = 200,
                Retries = 0,
                // As in service: tokens, cost and latency differ from call to call; key, model and API repeat.
                PromptTokens = 250 + (i % 7),
                CompletionTokens = 40 + (i % 5),
                CachedTokens = 0,
                Cost = 0.000_5 + (i % 5) * 1e-6,
                LatencyMs = 1.9 + (i % 11) * 0.1,
                Api = "openai",
            });
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
