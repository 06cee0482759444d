using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

/// <summary>Keys that refuse calls beyond their concurrency (Z.ai 1302): the router learns a cap and queues to it.</summary>
public sealed class ConcurrencyLearningTests
{
    private static AttemptOutcome Ok() => new(TimeSpan.FromMilliseconds(10), null, 10, 10, null);

    private static ValueTask<RouteDecision> Start(Router router) => router.AcquireAsync(router.GetGroup("pool")!, Req(), CancellationToken.None);

    [Fact]
    public async Task ReportFailure_Zai1302WithTwoInFlight_LearnsOneAndQueuesTheNextCallInsteadOfSendingIt()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));
        var first = (await router.AcquireAsync()).Lease!;
        var second = (await router.AcquireAsync()).Lease!;
        router.ReportFailure(second, Zai("1302", time.GetUtcNow()));
        second.Dispose();

        Assert.Equal(1, router.Status("a").LearnedConcurrency);
        Assert.False(router.Status("a").CoolingDown); // one of two refused: the key is fine, it is only full
        var waiting = Start(router).AsTask();
        Assert.False(waiting.IsCompleted);

        router.ReportSuccess(first, Ok());
        first.Dispose();
        var next = await waiting;
        Assert.Equal("a", next.Lease?.Deployment.Id);
        next.Lease!.Dispose();
    }

    [Fact]
    public async Task ReportFailure_Zai1302OnItsOnlyCall_RestsTheKeyBriefly()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));
        await router.FailAsync("a", Zai("1302", time.GetUtcNow()));
        Assert.Equal(1, router.Status("a").LearnedConcurrency);
        Assert.Equal(Router.ConcurrencyAloneRest.TotalSeconds, router.Status("a").CooldownSecondsLeft);
        time.Advance(Router.ConcurrencyAloneRest);
        Assert.Equal("a", await router.PickAsync());
    }

    [Fact]
    public void OnConcurrencySuccess_ManyCallsAtTheLearnedCap_RaisesItByOneAndARefusalLowersItAgain()
    {
        var e = new LimitEstimator();
        e.OnConcurrencyRefused(3);
        Assert.Equal(2, e.Concurrency);

        for (var i = 0; i < 100; i++)
        {
            e.OnConcurrencySuccess(1); // below the cap: says nothing about more
        }

        Assert.Equal(2, e.Concurrency);
        for (var i = 0; i < 31; i++)
        {
            e.OnConcurrencySuccess(2);
        }

        // 16 × the cap successes at it: one more is tried.

        Assert.Equal(2, e.Concurrency);
        e.OnConcurrencySuccess(2);
        Assert.Equal(3, e.Concurrency);

        e.OnConcurrencyRefused(3);
        Assert.Equal(2, e.Concurrency);
        e.OnConcurrencyRefused(5); // a refusal never raises it
        Assert.Equal(2, e.Concurrency);

        // The raise was refused: the next one waits for twice as many successes.
        for (var i = 0; i < 63; i++)
        {
            e.OnConcurrencySuccess(2);
        }

        Assert.Equal(2, e.Concurrency);
        e.OnConcurrencySuccess(2);
        Assert.Equal(3, e.Concurrency);
    }

    [Fact]
    public async Task AcquireAsync_LearnedConcurrencyAboveMaxParallelRequests_TheConfiguredCapStillHolds()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a") with { MaxParallelRequests = 1 });
        router.GetGroup("pool")!.Deployments[0].Limits.OnConcurrencyRefused(4);
        Assert.Equal(3, router.Status("a").LearnedConcurrency);

        var held = (await router.AcquireAsync()).Lease!;
        var waiting = Start(router).AsTask();
        Assert.False(waiting.IsCompleted);
        held.Dispose();
        (await waiting).Lease!.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_OneInFlightKeysUnderLoad_RefusedCallsBecomeRareAfterLearning()
    {
        // Two keys that each take one call at a time; calls last 100 ms and three arrive every 100 ms, so one in three
        // waits in the queue. On a fake clock, each step starts the due calls and ends those 100 ms old.
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        var inFlight = new List<(DeploymentLease Lease, DateTimeOffset Ends)>();
        var waiting = new List<Task<RouteDecision>>();
        int refused = 0, refusedLate = 0, served = 0;
        var perKey = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        for (var step = 0; step < 600; step++)
        {
            var now = time.GetUtcNow();
            foreach (var done in inFlight.Where(c => c.Ends <= now).ToList())
            {
                inFlight.Remove(done);
                perKey[done.Lease.Deployment.Id]--;
                router.ReportSuccess(done.Lease, Ok());
                done.Lease.Dispose();
                served++;
            }

            if (step % 10 < 3)
            {
                waiting.Add(Start(router).AsTask());
            }

            await Task.Yield();
            foreach (var ready in waiting.Where(w => w.IsCompleted).ToList())
            {
                waiting.Remove(ready);
                var lease = (await ready).Lease!;
                if (++perKey[lease.Deployment.Id] > 1)
                {
                    // The upstream refuses a second call in flight; the attempt loop would retry it elsewhere.
                    perKey[lease.Deployment.Id]--;
                    router.ReportFailure(lease, Zai("1302", now));
                    lease.Dispose();
                    refused++;
                    refusedLate += step >= 200 ? 1 : 0;
                    waiting.Add(Start(router).AsTask());
                    continue;
                }

                inFlight.Add((lease, now + TimeSpan.FromMilliseconds(100)));
            }

            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // Learning costs a refused call per key; after it, trying one more in flight costs one per 16 calls at the
        // cap, then 32, 64…: at most one per key in the last 4 s (about 40 calls each).
        Assert.InRange(refused, 1, 8);
        Assert.InRange(refusedLate, 0, 2);
        Assert.True(served >= 110, $"served {served} of 120 (two keys, 100 ms calls, 6 s)");
    }
}
