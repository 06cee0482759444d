using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Api;
using Switchboard.Config;
using Switchboard.MockProvider;

namespace Switchboard.Bench;

/// <summary>
/// Pool efficiency (issue 12): a gateway over N <c>lim&lt;L&gt;w&lt;S&gt;-</c> keys of the mock provider, both in this process
/// on loopback, under open-loop load at multiples of the pool's capacity. One fresh gateway and fresh keys per run.
/// Prints one tab-separated row per run.
/// </summary>
internal static class PoolBench
{
    private static readonly System.Collections.Concurrent.ConcurrentBag<(double At, HttpStatusCode Status, string Key, string Retries, double Ms)> Traces = [];
    private static long RunStarted;

    private const string Chat = """{"model":"pool","messages":[{"role":"user","content":"hello there"}]}""";

    public static async Task<int> RunAsync()
    {
        var keys = Env("BENCH_POOL_KEYS", 4);
        var limit = Env("BENCH_POOL_LIMIT", 10);
        var window = Env("BENCH_POOL_WINDOW", 5);
        var seconds = Env("BENCH_POOL_SECONDS", 15);
        var loads = (Environment.GetEnvironmentVariable("BENCH_POOL_LOADS") ?? "0.5 0.9 1.0 1.5 3")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var strategies = (Environment.GetEnvironmentVariable("BENCH_POOL_STRATEGIES") ?? "round-robin least-busy usage-based-routing")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var modes = (Environment.GetEnvironmentVariable("BENCH_POOL_MODES") ?? "fixed adaptive").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var rpm = Env("BENCH_POOL_RPM", 0);

        // BENCH_POOL_KIND=conc: conc<LIMIT>- keys that refuse more than LIMIT calls in flight (Z.ai 1302), each call held
        // BENCH_POOL_HOLD_MS by the mock; the pool's capacity is then keys × limit / hold.
        var concurrency = Environment.GetEnvironmentVariable("BENCH_POOL_KIND") == "conc";

        // BENCH_POOL_KIND=headers: limh<LIMIT>w<WINDOW>- keys, the 1303 keys whose answers say their limit and reset.
        var headers = Environment.GetEnvironmentVariable("BENCH_POOL_KIND") == "headers";
        var hold = TimeSpan.FromMilliseconds(Env("BENCH_POOL_HOLD_MS", 200));
        var capacity = concurrency ? keys * limit / hold.TotalSeconds : keys * limit / (double)window;

        await using var mock = await MockProviderServer.StartAsync(
            new MockProviderOptions { Port = 0, DefaultChunks = 2, ConcurrencyHold = hold }, CancellationToken.None);
        if (Environment.GetEnvironmentVariable("BENCH_POOL_NO_HEADER") is not { Length: > 0 })
        {
            Console.WriteLine("kind\tmode\tstrategy\trpm\tload\tcalls\tok\tclient_429\tupstream_429\tupstream_429_first_2_windows\tupstream_429_after\tgoodput\tok_p50_ms\tok_p99_ms\t429_p50_ms\t429_max_ms");
        }

        var run = 0;
        foreach (var mode in modes)
        {
            foreach (var strategy in strategies)
            {
                foreach (var load in loads)
                {
                    run++;
                    var prefix = concurrency ? $"conc{limit}-" : headers ? $"limh{limit}w{window}-" : $"lim{limit}w{window}-";
                    var names = Enumerable.Range(0, keys).Select(i => $"{prefix}{Guid.NewGuid():N}-r{run}k{i}").ToArray();
                    var config = new GatewayConfig
                    {
                        ModelList = names.Select((k, i) => new DeploymentConfig
                        {
                            Index = i,
                            ModelName = "pool",
                            Id = "dep-" + k,
                            Provider = "openai",
                            UpstreamModel = "glm-4.6",
                            ApiBase = mock.BaseUrl.ToString().TrimEnd('/') + "/v1",
                            ApiKey = k,
                            Rpm = rpm > 0 ? rpm : null,
                        }).ToArray(),
                        Router = new RouterSettings { RoutingStrategy = strategy, CooldownTime = TimeSpan.FromSeconds(60), AdaptiveLimits = mode == "adaptive" },
                    };
                    var row = await RunOnceAsync(config, mock, names, capacity * load, seconds, concurrency ? 2 : 2 * window);
                    var goodput = row.Ok / (capacity * seconds);
                    Console.WriteLine(string.Join('\t', concurrency ? $"1302 conc{limit} {hold.TotalMilliseconds:0}ms" : headers ? $"1303 limh{limit}w{window}" : $"1303 lim{limit}w{window}", mode, strategy, rpm > 0 ? rpm.ToString(CultureInfo.InvariantCulture) : "-",
                        load.ToString("0.0#", CultureInfo.InvariantCulture), row.Calls, row.Ok, row.Client429, row.Upstream429, row.Upstream429Learning, row.Upstream429 - row.Upstream429Learning,
                        goodput.ToString("0.00", CultureInfo.InvariantCulture), Ms(row.OkP50), Ms(row.OkP99), Ms(row.LimitedP50), Ms(row.LimitedMax)));
                }
            }
        }

        return 0;
    }

    private static async Task<Row> RunOnceAsync(GatewayConfig config, MockProviderServer mock, string[] keys, double perSecond, int seconds, int learnSeconds)
    {
        var db = Path.Combine(Path.GetTempPath(), "switchboard-pool-bench-" + Guid.NewGuid().ToString("N") + ".db");
        var app = await GatewayHost.BuildAsync(config, new GatewayOptions { Host = "127.0.0.1", Port = 0, DatabasePath = db, WarmUpRefusals = true },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(120) };
            var count = (int)(perSecond * seconds);
            var started = Stopwatch.GetTimestamp();
            RunStarted = started;

            // Upstream 429s in the first two windows (learning) apart from the rest (the steady state).
            var learning = Task.Delay(TimeSpan.FromSeconds(learnSeconds)).ContinueWith(_ => Refused(mock, keys), TaskScheduler.Default);
            var calls = new Task<(HttpStatusCode, double)>[count];
            for (var i = 0; i < count; i++)
            {
                var due = TimeSpan.FromSeconds(i / perSecond) - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }

                calls[i] = SendAsync(client);
            }

            var results = await Task.WhenAll(calls);
            if (Environment.GetEnvironmentVariable("BENCH_POOL_TRACE") is { Length: > 0 } trace)
            {
                await File.AppendAllLinesAsync(trace, Traces.OrderBy(t => t.At).Select(t => string.Create(CultureInfo.InvariantCulture,
                    $"{t.At:0.000}\t{(int)t.Status}\t{t.Key}\t{t.Retries}\t{t.Ms:0.0}")));
                Traces.Clear();
            }

            var ok = results.Where(r => r.Item1 == HttpStatusCode.OK).Select(r => r.Item2).Order().ToArray();
            var limited = results.Where(r => r.Item1 == HttpStatusCode.TooManyRequests).Select(r => r.Item2).Order().ToArray();
            var upstream = Refused(mock, keys);
            return new Row(count, ok.Length, limited.Length, upstream, await learning, Pct(ok, 50), Pct(ok, 99), Pct(limited, 50), limited.LastOrDefault());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(db + suffix);
            }
        }
    }

    private static async Task<(HttpStatusCode, double)> SendAsync(HttpClient client)
    {
        var sent = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(Chat, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var ms = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
        Traces.Add(((sent - RunStarted) / (double)Stopwatch.Frequency, response.StatusCode,
            response.Headers.TryGetValues("x-litellm-model-id", out var id) ? string.Join(",", id) : "-",
            response.Headers.TryGetValues("x-litellm-attempted-retries", out var r) ? string.Join(",", r) : "-", ms));
        return (response.StatusCode, ms);
    }

    private static long Refused(MockProviderServer mock, string[] keys) => keys.Sum(k => mock.Stats.For(k).Refused + mock.Stats.For(k).ConcurrencyRefused);

    private static double Pct(double[] sorted, int p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];

    private static string Ms(double ms) => double.IsNaN(ms) ? "-" : ms.ToString("0.0", CultureInfo.InvariantCulture);

    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    private readonly record struct Row(int Calls, int Ok, int Client429, long Upstream429, long Upstream429Learning, double OkP50, double OkP99, double LimitedP50, double LimitedMax);
}
