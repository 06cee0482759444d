using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Switchboard.Bench;

/// <summary>
/// <c>soak &lt;gateway url&gt; &lt;gateway pid&gt; &lt;seconds&gt; [workers] [warm-up seconds]</c> (run by <c>bench/soak.sh</c>): a bounded
/// number of workers call the gateway in a loop for a fixed time with a mix of OpenAI and Anthropic calls, whole and
/// streamed, streams the client hangs up on mid-way, and calls to a pool of failing keys; the gateway's RSS is sampled
/// from /proc. Passes when the RSS at the end is within 10 % of the RSS after the warm-up.
/// </summary>
internal static class Soak
{
    private const string Prompt = "Write a few sentences about lighthouses.";

    public static async Task<int> RunAsync(string[] args)
    {
        var baseUrl = new Uri(args[1]);
        var pid = int.Parse(args[2], CultureInfo.InvariantCulture);
        var duration = TimeSpan.FromSeconds(int.Parse(args[3], CultureInfo.InvariantCulture));
        var workers = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 8;
        var warmup = TimeSpan.FromSeconds(args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 60);

        // No draining on dispose: a stream the client drops must close its connection, as a client that goes away does
        // (by default the handler would read the rest of the answer to reuse the connection, and the gateway see no hang-up).
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = workers * 2,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            MaxResponseDrainSize = 0,
        };
        using var client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        using var stop = new CancellationTokenSource(duration);
        var counts = new long[Enum.GetValues<Kind>().Length, 3]; // ok, error status, exception
        var clock = Stopwatch.StartNew();
        var samples = new List<(double Seconds, long RssKb)>();
        long? afterWarmup = null;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var rss = RssKb(pid);
                lock (samples)
                {
                    samples.Add((clock.Elapsed.TotalSeconds, rss));
                }

                if (afterWarmup is null && clock.Elapsed >= warmup)
                {
                    afterWarmup = rss;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[soak] RSS after {warmup.TotalSeconds:0} s warm-up: {rss / 1024.0:0.0} MiB"));
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        long next = -1;
        var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // One shared sequence: every kind gets a tenth of the calls, whatever the number of workers.
                var kind = (Kind)(Interlocked.Increment(ref next) % 10);
                var outcome = 2;
                try
                {
                    outcome = await CallAsync(client, kind, stop.Token) ? 0 : 1;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
                {
                    if (stop.IsCancellationRequested)
                    {
                        break;
                    }
                }

                Interlocked.Increment(ref counts[(int)kind, outcome]);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        await sampler;

        // Let the gateway settle (usage batches written, buffers returned) before the last sample.
        await Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None);
        var end = RssKb(pid);
        Console.WriteLine("[soak] calls by kind: ok / error answer / exception");
        foreach (var kind in Enum.GetValues<Kind>())
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[soak]   {kind,-26} {counts[(int)kind, 0],8} {counts[(int)kind, 1],8} {counts[(int)kind, 2],8}"));
        }

        var total = Enumerable.Range(0, counts.GetLength(0)).Sum(k => counts[k, 0] + counts[k, 1] + counts[k, 2]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[soak] {total} calls in {duration.TotalSeconds:0} s ({total / duration.TotalSeconds:0} /s), {workers} workers"));
        Console.WriteLine("[soak] RSS samples (s, MiB): " + string.Join(" ", samples.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Seconds:0}:{s.RssKb / 1024.0:0.0}"))));
        var baseline = afterWarmup ?? samples[^1].RssKb;
        var change = (end - baseline) * 100.0 / baseline;
        var within = Math.Abs(change) <= 10;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[soak] RSS after warm-up {baseline / 1024.0:0.0} MiB, at the end {end / 1024.0:0.0} MiB: {change:+0.0;-0.0} % ({(within ? "within" : "NOT within")} 10 %)"));
        return within ? 0 : 1;
    }

    private enum Kind
    {
        OpenAiWhole,
        OpenAiWhole2,
        OpenAiStream,
        OpenAiStreamCancelled,
        AnthropicWhole,
        AnthropicStream,
        AnthropicStreamCancelled,
        AnthropicPassthroughStream,
        FailingPoolWhole,
        FailingPoolStream,
    }

    /// <summary>One call; true when it was answered 200 (a cancelled stream counts when its first events came).</summary>
    private static async Task<bool> CallAsync(HttpClient client, Kind kind, CancellationToken ct)
    {
        using var request = kind switch
        {
            Kind.OpenAiWhole or Kind.OpenAiWhole2 => Chat("soak-pool", stream: false),
            Kind.OpenAiStream or Kind.OpenAiStreamCancelled => Chat("soak-pool", stream: true),
            Kind.FailingPoolWhole => Chat("soak-faulty", stream: false),
            Kind.FailingPoolStream => Chat("soak-faulty", stream: true),
            Kind.AnthropicWhole => Messages("claude-sonnet-4-5", stream: false),
            Kind.AnthropicStream or Kind.AnthropicStreamCancelled => Messages("claude-sonnet-4-5", stream: true),
            _ => Messages("soak-anthropic", stream: true),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (kind is Kind.OpenAiStreamCancelled or Kind.AnthropicStreamCancelled)
        {
            // Hang up after a few events: the gateway must bill what it sent and free everything the call held.
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            for (var lines = 0; lines < 6 && await reader.ReadLineAsync(ct) is not null; lines++)
            {
            }

            return response.IsSuccessStatusCode;
        }

        await response.Content.CopyToAsync(Stream.Null, ct);
        return response.IsSuccessStatusCode;
    }

    private static HttpRequestMessage Chat(string model, bool stream)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{Prompt}}"}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-soak");
        return request;
    }

    private static HttpRequestMessage Messages(string model, bool stream)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent(
                $$"""{"model":"{{model}}","max_tokens":512,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{Prompt}}"}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("x-api-key", "sk-soak");
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        return request;
    }

    private static long RssKb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no VmRSS for process " + pid);
    }
}
