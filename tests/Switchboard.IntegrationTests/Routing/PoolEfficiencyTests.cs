using System.Diagnostics;
using System.Net;
using Switchboard.Config;
using Switchboard.IntegrationTests.Api;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Routing;

/// <summary>
/// A pool of four <c>lim10w2-</c> keys (10 calls per 2 s each, 20 calls/s together) behind the real gateway, under
/// open-loop load: the gateway learns the keys' limits and paces to them (docs/pool-efficiency.md).
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class PoolEfficiencyTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Keys = ["lim10w2-a", "lim10w2-b", "lim10w2-c", "lim10w2-d"];
    private const string Chat = """{"model":"glm-pool","messages":[{"role":"user","content":"hello there"}]}""";
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 2 }, CancellationToken.None);

    /// <summary>
    /// Runs a wall-clock load scenario up to twice, each on a fresh mock (fresh key windows) and gateway, and passes
    /// when one run meets every assertion. On a shared machine one run in a few lands a window late (seen: 90 of 120
    /// calls served at 3× capacity, where the next run served 112); a regression fails both runs. The pool's figures
    /// proper come from bench/pool.sh (docs/benchmarks.md), never from these tests.
    /// </summary>
    private async Task BestOfTwoAsync(Func<Task> scenario)
    {
        try
        {
            await scenario();
        }
        catch (Xunit.Sdk.XunitException e)
        {
            output.WriteLine($"first run failed: {e.Message}");
            await _mock.DisposeAsync();
            await InitializeAsync();
            await scenario();
        }
    }

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    private GatewayConfig Pool() => new()
    {
        ModelList = Keys.Select((k, i) => Configs.Http("glm-pool", "dep-" + k, _mock.BaseUrl, k, index: i)).ToArray(),
        Router = new RouterSettings { CooldownTime = TimeSpan.FromSeconds(60) },
    };

    [Fact]
    public Task ChatCompletions_UnderCapacity_AllSucceedWithNoUpstream429AfterTheFirstWindow() => BestOfTwoAsync(ChatCompletions_UnderCapacity_AllSucceedWithNoUpstream429AfterTheFirstWindowOnce);

    private async Task ChatCompletions_UnderCapacity_AllSucceedWithNoUpstream429AfterTheFirstWindowOnce()
    {
        await using var gateway = await TestGateway.StartAsync(Pool());

        var first = await OpenLoopAsync(gateway.Client, perSecond: 14, TimeSpan.FromSeconds(2));
        var refusedInFirstWindow = Refused();
        var rest = await OpenLoopAsync(gateway.Client, perSecond: 14, TimeSpan.FromSeconds(4));

        Assert.All(first.Concat(rest), r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(refusedInFirstWindow, Refused());
    }

    [Fact]
    public Task ChatCompletions_ThreeTimesCapacity_FastClient429sWithATruthfulRetryAfter() => BestOfTwoAsync(ChatCompletions_ThreeTimesCapacity_FastClient429sWithATruthfulRetryAfterOnce);

    private async Task ChatCompletions_ThreeTimesCapacity_FastClient429sWithATruthfulRetryAfterOnce()
    {
        await using var gateway = await TestGateway.StartAsync(Pool());

        // Learning: the first windows teach the gateway the keys' limits and window.
        await OpenLoopAsync(gateway.Client, perSecond: 60, TimeSpan.FromSeconds(5));
        var refusedBefore = Refused();
        var results = await OpenLoopAsync(gateway.Client, perSecond: 60, TimeSpan.FromSeconds(6));
        var refused = Refused() - refusedBefore;

        var ok = results.Count(r => r.Status == HttpStatusCode.OK);
        var limited = results.Where(r => r.Status == HttpStatusCode.TooManyRequests).ToList();
        output.WriteLine($"3x: ok {ok} of 120, client 429 {limited.Count} (slowest {limited.Select(r => r.Latency).DefaultIfEmpty().Max().TotalMilliseconds:0.#} ms), upstream 429 {refused}");
        Assert.Equal(results.Length, ok + limited.Count);

        // 6 s hold 3 windows of 40 calls (a key's window opens 2 or 3 times in them). Measured on a loaded 2-core machine
        // (load average 12-14) after a refusal that leaves the pool spent answers at once: 101-120 in most runs, 88-94 in
        // about one in four (mostly the first run in a fresh test process), the second of two runs 120 every time; the
        // 5-s windows of bench/pool.sh reach 0.98-1.00. The guide's fixed cooldowns serve almost none once every key has
        // been refused. 90 keeps both of two runs below it rare (the floor was 84 when runs measured 0.75-0.8).
        Assert.InRange(ok, 90, 160);

        // Few wasted upstream calls: the target is one per key per window (12 here); a loaded machine's late answers
        // cost a few more (10 to 19 measured), the guide's fixed cooldowns far more.
        Assert.InRange(refused, 0L, Keys.Length * 6L);
        Assert.All(limited, r =>
        {
            Assert.NotNull(r.RetryAfter);
            Assert.True(r.Latency < TimeSpan.FromSeconds(1), $"a 429 took {r.Latency.TotalMilliseconds} ms");
        });

        // Retry-After (whole seconds, rounded up) names when the pool next has room, as the mock's windows say.
        var truthful = limited.Count(r => r.RetryAfter!.Value - r.TrueWait <= TimeSpan.FromSeconds(1.1) && r.RetryAfter.Value >= r.TrueWait - TimeSpan.FromSeconds(0.2));
        output.WriteLine($"3x: {truthful} of {limited.Count} Retry-After values within 1 s of the true reset");
        Assert.True(truthful >= limited.Count * 0.9, $"{truthful} of {limited.Count} Retry-After values within 1 s of the true reset");
    }

    [Fact]
    public Task ChatCompletions_UnderCapacityOnOneAtATimeKeys_AllSucceedAndRefusalsStopAfterLearning() => BestOfTwoAsync(ChatCompletions_UnderCapacityOnOneAtATimeKeys_AllSucceedAndRefusalsStopAfterLearningOnce);

    private async Task ChatCompletions_UnderCapacityOnOneAtATimeKeys_AllSucceedAndRefusalsStopAfterLearningOnce()
    {
        // Four keys that refuse a second call in flight (Z.ai 1302); the mock holds each call 50 ms, so the pool takes
        // 80 calls/s at most. 30 calls/s is well under it, on a loaded machine too.
        string[] keys = ["conc1-a", "conc1-b", "conc1-c", "conc1-d"];
        var config = new GatewayConfig
        {
            ModelList = keys.Select((k, i) => Configs.Http("glm-pool", "dep-" + k, _mock.BaseUrl, k, index: i)).ToArray(),
            Router = new RouterSettings { CooldownTime = TimeSpan.FromSeconds(60) },
        };
        await using var gateway = await TestGateway.StartAsync(config);

        // Learning opens with 12 calls at once (three a key on average): on a fast machine the open loop alone may run
        // for seconds with no two calls meeting on a key, and the caps are then learned in the phase after, whose
        // refusals this test counts (seen: 0 refusals while learning, 25 after, on a quiet machine; CI failed it so).
        var burst = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => SendAsync(gateway.Client)));
        Result[] first = [.. burst, .. await OpenLoopAsync(gateway.Client, perSecond: 30, TimeSpan.FromSeconds(2))];
        var refusedWhileLearning = keys.Sum(k => _mock.Stats.For(k).ConcurrencyRefused);
        var rest = await OpenLoopAsync(gateway.Client, perSecond: 30, TimeSpan.FromSeconds(4));
        var refusedAfter = keys.Sum(k => _mock.Stats.For(k).ConcurrencyRefused) - refusedWhileLearning;
        output.WriteLine($"learning: {Summary(first)}, 1302 refusals {refusedWhileLearning}; after: {Summary(rest)}, 1302 refusals {refusedAfter}");

        // While it learns, a loaded machine (calls held far longer than 50 ms) may find every key busy at once: then the
        // client gets an honest 429 with a Retry-After (seen 1 in 60 calls at load 30 on 2 cores). Once learned, none.
        Assert.All(first, r => Assert.True(r.Status == HttpStatusCode.OK || (r.Status == HttpStatusCode.TooManyRequests && r.RetryAfter is not null), r.ToString()));
        Assert.True(first.Count(r => r.Status == HttpStatusCode.OK) >= first.Length * 0.9, "more than 1 in 10 calls refused while learning");
        Assert.All(rest, r => Assert.Equal(HttpStatusCode.OK, r.Status));

        // After learning, only the rare try of one more call in flight (one per 16 calls at the cap, then 32, 64…).
        Assert.InRange(refusedAfter, 0L, keys.Length * 3L);
    }

    [Fact]
    public Task ChatCompletions_BurstThenLoadOnFreshOneAtATimeKeys_NoClientFailureWhileCapsAreLearned() => BestOfTwoAsync(ChatCompletions_BurstThenLoadOnFreshOneAtATimeKeys_NoClientFailureWhileCapsAreLearnedOnce);

    private async Task ChatCompletions_BurstThenLoadOnFreshOneAtATimeKeys_NoClientFailureWhileCapsAreLearnedOnce()
    {
        // Four fresh keys that refuse a second call in flight (Z.ai 1302), held 50 ms each. A burst of 12 at once puts
        // three calls on each key before any cap is known; the refusals that teach the caps are retried without spending
        // num_retries, on a key with room or in the fair queue (wait_for_cooldown_s covers the wait), so the client sees
        // none of them. Then 2 s of load at half the pool's capacity.
        string[] keys = ["conc1-a", "conc1-b", "conc1-c", "conc1-d"];
        var config = new GatewayConfig
        {
            ModelList = keys.Select((k, i) => Configs.Http("glm-pool", "dep-" + k, _mock.BaseUrl, k, index: i)).ToArray(),
            Router = new RouterSettings { CooldownTime = TimeSpan.FromSeconds(60), WaitForCooldown = TimeSpan.FromSeconds(30) },
        };
        await using var gateway = await TestGateway.StartAsync(config);

        var burst = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => SendAsync(gateway.Client)));
        var load = await OpenLoopAsync(gateway.Client, perSecond: 40, TimeSpan.FromSeconds(2));

        Assert.All(burst.Concat(load), r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.True(keys.Sum(k => _mock.Stats.For(k).ConcurrencyRefused) > 0, "the burst should have taught the caps with refusals");
    }

    private long Refused() => Keys.Sum(k => _mock.Stats.For(k).Refused);

    /// <summary>How long until some key of the pool answers again, as the mock's own windows say.</summary>
    private TimeSpan TrueWait()
    {
        var now = DateTimeOffset.UtcNow;
        var wait = TimeSpan.MaxValue;
        foreach (var key in Keys)
        {
            var (end, answered) = _mock.Stats.For(key).CurrentWindow;
            var w = answered < 10 || end <= now ? TimeSpan.Zero : end - now;
            wait = w < wait ? w : wait;
        }

        return wait;
    }

    /// <summary>Sends calls at a fixed rate whatever the answers (open loop), each on its own task.</summary>
    private async Task<Result[]> OpenLoopAsync(HttpClient client, double perSecond, TimeSpan duration)
    {
        var count = (int)(perSecond * duration.TotalSeconds);
        var started = Stopwatch.GetTimestamp();
        var calls = new Task<Result>[count];
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond) - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }

            calls[i] = SendAsync(client);
        }

        return await Task.WhenAll(calls);
    }

    private async Task<Result> SendAsync(HttpClient client)
    {
        var sent = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions", Chat));
        var latency = Stopwatch.GetElapsedTime(sent);
        var trueWait = TrueWait();
        var body = await response.Content.ReadAsStringAsync();
        return new Result(response.StatusCode, latency, response.Headers.RetryAfter?.Delta, trueWait,
            response.IsSuccessStatusCode ? null : body[..Math.Min(body.Length, 300)]);
    }

    /// <summary>Status counts and the slowest call, for the test's output when a run fails.</summary>
    private static string Summary(Result[] results) =>
        string.Join(", ", results.GroupBy(r => r.Status).Select(g => $"{(int)g.Key}: {g.Count()}"))
        + $", slowest {results.Max(r => r.Latency).TotalMilliseconds:0} ms";

    private readonly record struct Result(HttpStatusCode Status, TimeSpan Latency, TimeSpan? RetryAfter, TimeSpan TrueWait, string? Error = null);
}
