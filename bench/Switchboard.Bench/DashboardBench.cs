using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Api;
using Switchboard.Config;
using Switchboard.Storage;

namespace Switchboard.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Switchboard.Bench -- dashboard [rows] [database url]</c>: fills a store with
/// usage rows spread over the last 30 days (20 keys, 4 model groups of 3 deployments, 10 % failures) through the usage
/// writer (so the rollups are kept as in production), starts a real gateway on it, logs in to the dashboard and times
/// every request the dashboard page makes, over loopback HTTP: median and worst of 20 after 3 warm-ups.
/// </summary>
internal static class DashboardBench
{
    private const string Master = "sk-bench-dashboard-master-0123456789";

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        var databaseUrl = args.Length > 2 ? args[2] : null;
        var directory = Directory.CreateTempSubdirectory("switchboard-dashboard-bench-").FullName;
        var databasePath = Path.Combine(directory, "switchboard.db");
        try
        {
            var now = DateTimeOffset.UtcNow;
            var fill = Stopwatch.StartNew();
            await using (var store = GatewayStoreFactory.Create(databaseUrl, databasePath))
            {
                await store.MigrateAsync(CancellationToken.None);
                await FillAsync(store, rows, now);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"store: {(databaseUrl is null ? "sqlite" : "postgres")}, {rows:N0} usage rows over 30 days written in {fill.Elapsed.TotalSeconds:F1} s (rollups kept by the writer)"));

            var config = new GatewayConfig
            {
                ModelList = [.. Enumerable.Range(0, 12).Select(i => new DeploymentConfig
                {
                    Index = i,
                    ModelName = "group-" + (i / 3),
                    Id = "dep-" + i,
                    Provider = "mock",
                    UpstreamModel = "glm-4.6",
                    ApiBase = "mock://local",
                    ApiKey = "sk-mock-bench-" + i,
                    Mock = new MockParams(),
                })],
                General = new GeneralSettings { MasterKey = Master, DatabaseUrl = databaseUrl },
            };
            var app = await GatewayHost.BuildAsync(config, new GatewayOptions { Host = "127.0.0.1", Port = 0, DatabasePath = databasePath },
                logging => { });
            await app.StartAsync();
            try
            {
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                using var client = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(address) };
                using (var login = await client.PostAsJsonAsync("/ui/api/login", new { master_key = Master }))
                {
                    login.EnsureSuccessStatusCode();
                }

                string[] paths =
                [
                    "/ui/api/pools",
                    "/ui/api/usage?range=hour",
                    "/ui/api/usage?range=day",
                    "/ui/api/usage?range=month",
                    "/ui/api/requests?limit=100",
                    "/ui/api/requests?limit=100&key=team-7",
                    "/ui/api/requests?limit=100&group=group-2",
                    "/ui/api/requests?limit=100&status=error",
                    "/ui/api/admin/key/list?return_full_object=true&size=100&page=1",
                ];
                Console.WriteLine("request                                                        median ms   worst ms   bytes");
                foreach (var path in paths)
                {
                    var times = new List<double>();
                    long bytes = 0;
                    for (var i = 0; i < 23; i++)
                    {
                        var watch = Stopwatch.StartNew();
                        using var response = await client.GetAsync(path);
                        var body = await response.Content.ReadAsByteArrayAsync();
                        watch.Stop();
                        response.EnsureSuccessStatusCode();
                        bytes = body.Length;
                        if (i >= 3)
                        {
                            times.Add(watch.Elapsed.TotalMilliseconds);
                        }
                    }

                    times.Sort();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{path,-62} {times[times.Count / 2],9:F1} {times[^1],10:F1} {bytes,7}"));
                }
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }

            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task FillAsync(IGatewayStore store, int rows, DateTimeOffset now)
    {
        var keys = Enumerable.Range(0, 20).Select(i => "bench-key-hash-" + i.ToString("D2", CultureInfo.InvariantCulture)).ToArray();
        for (var i = 0; i < keys.Length; i++)
        {
            await store.InsertKeyAsync(new VirtualKeyRecord
            {
                KeyHash = keys[i],
                KeyAlias = "team-" + i,
                KeyPreview = "sk-...b" + i.ToString("D3", CultureInfo.InvariantCulture),
                CreatedAt = now.AddDays(-31),
                UpdatedAt = now.AddDays(-31),
            }, CancellationToken.None);
        }

        var aliases = Enumerable.Range(0, 20).Select(i => "team-" + i).ToArray();
        var groups = Enumerable.Range(0, 4).Select(i => "group-" + i).ToArray();
        var deployments = Enumerable.Range(0, 12).Select(i => "dep-" + i).ToArray();
        var random = new Random(42);
        var start = now.AddDays(-30).ToUnixTimeMilliseconds();
        var spanMs = now.ToUnixTimeMilliseconds() - start;
        const int batchSize = 5_000;
        var batch = new List<UsageRecord>(batchSize);
        for (var i = 0; i < rows; i++)
        {
            var key = random.Next(keys.Length);
            var deployment = random.Next(deployments.Length);
            var failed = random.Next(10) == 0;
            batch.Add(new UsageRecord
            {
                // In time order, as the writer sees them.
                Time = DateTimeOffset.FromUnixTimeMilliseconds(start + (spanMs * i / rows)),
                RequestId = "bench-" + i.ToString(CultureInfo.InvariantCulture),
                KeyHash = keys[key],
                KeyAlias = aliases[key],
                ModelGroup = groups[deployment / 3],
                DeploymentId = deployments[deployment],
                UpstreamModel = "glm-4.6",
                HttpStatus = failed ? 429 : 200,
                ErrorClass = failed ? "rate_limited" : null,
                PromptTokens = failed ? 0 : random.Next(100, 4000),
                CompletionTokens = failed ? 0 : random.Next(10, 800),
                Cost = failed ? 0 : random.NextDouble() / 100,
                LatencyMs = random.Next(50, 4000),
            });
            if (batch.Count == batchSize)
            {
                await store.WriteUsageAsync(batch, CancellationToken.None);
                batch = new List<UsageRecord>(batchSize);
            }
        }

        if (batch.Count > 0)
        {
            await store.WriteUsageAsync(batch, CancellationToken.None);
        }
    }
}
