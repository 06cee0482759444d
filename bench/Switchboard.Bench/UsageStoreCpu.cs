using System.Diagnostics;
using System.Globalization;
using Switchboard.Storage;

namespace Switchboard.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Switchboard.Bench -- usage-cpu [rows] [batch] [database url]</c>: the embedded store's
/// process CPU per usage row, the figure the keys+usage load case pays on the gateway's core (BenchmarkDotNet reports
/// wall time, which here is mostly the disk). Rows are built before the clock starts, as the gateway builds them on
/// its request threads; repeated values (key, group, deployment, model, API) are shared strings, as they come from the
/// key cache and the config.
/// </summary>
internal static class UsageStoreCpu
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var batchSize = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2_000;
        var directory = Directory.CreateTempSubdirectory("switchboard-usage-cpu-").FullName;
        try
        {
            // A database URL as the third argument measures that store (PostgreSQL: the client's CPU, the server's is its own).
            await using var store = args.Length > 3
                ? GatewayStoreFactory.Create(args[3], Path.Combine(directory, "unused.db"))
                : new SqliteGatewayStore(Path.Combine(directory, "usage.db"));
            await store.MigrateAsync(CancellationToken.None);
            // Warm-up: JIT and a table that is not empty (at least 5,000 rows), then three measured passes.
            // Every pass writes rows of its own: a row written again is skipped (unique by time and request id), not inserted.
            var warmBatches = Math.Max(1, 5_000 / batchSize);
            var passBatches = Math.Max(1, rows / batchSize);
            var batches = Build((warmBatches + (3 * passBatches)) * batchSize, batchSize);
            foreach (var batch in batches.Take(warmBatches))
            {
                await store.WriteUsageAsync(batch, CancellationToken.None);
            }

            for (var pass = 1; pass <= 3; pass++)
            {
                var measured = batches.Skip(warmBatches + ((pass - 1) * passBatches)).Take(passBatches).ToList();
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                foreach (var batch in measured)
                {
                    await store.WriteUsageAsync(batch, CancellationToken.None);
                }

                process.Refresh();
                var count = measured.Sum(b => b.Count);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"pass {pass}: {count} rows in batches of {batchSize}: {(process.TotalProcessorTime - cpu).TotalMicroseconds / count:F2} µs CPU/row, {wall.Elapsed.TotalMicroseconds / count:F2} µs wall/row"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static List<List<UsageRecord>> Build(int rows, int batchSize)
    {
        var rowsOf = new BenchUsageRows();
        var batches = new List<List<UsageRecord>>();
        for (var i = 0; i < rows; i++)
        {
            if (i % batchSize == 0)
            {
                batches.Add(new List<UsageRecord>(batchSize));
            }

            batches[^1].Add(rowsOf.Row(i));
        }

        return batches;
    }
}

/// <summary>
/// Usage rows as the gateway makes them: tokens, cost and latency differ from call to call; key, alias, group,
/// deployment, model and API repeat as shared strings (they come from the key cache and the config).
/// </summary>
internal sealed class BenchUsageRows
{
    private readonly string _keyHash = new('a', 64);
    private readonly string[] _deployments = ["dd63dbefa814", "dca8fdde8eab", "e3d5340f9404", "f1b5db111b0a"];
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;

    public UsageRecord Row(int i) => new()
    {
        Time = _start.AddTicks(i * 600L),
        RequestId = Guid.NewGuid().ToString("N"),
        KeyHash = _keyHash,
        KeyAlias = "bench",
        ModelGroup = "glm-4.6",
        DeploymentId = _deployments[i % 4],
        UpstreamModel = "glm-4.6",
        HttpStatus = 200,
        PromptTokens = 250 + (i % 7),
        CompletionTokens = 40 + (i % 5),
        Cost = 0.000_5 + (i % 5) * 1e-6,
        LatencyMs = 1.9 + (i % 11) * 0.1,
        Api = "openai",
    };
}
