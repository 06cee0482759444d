using System.Diagnostics;
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
            e.OnConcurrencySuccess(1, 1); // below the cap: says nothing about more
        }

        Assert.Equal(2, e.Concurrency);
        for (var i = 0; i < 31; i++)
        {
            e.OnConcurrencySuccess(2, 2);
        }

        // 16 × the cap successes at it: one more is tried.

        Assert.Equal(2, e.Concurrency);
        e.OnConcurrencySuccess(2, 2);
        Assert.Equal(3, e.Concurrency);

        e.OnConcurrencyRefused(3);
        Assert.Equal(2, e.Concurrency);
        e.OnConcurrencyRefused(5); // a refusal never raises it
        Assert.Equal(2, e.Concurrency);

        // The raise was refused: the next one waits for twice as many successes.
        for (var i = 0; i < 63; i++)
        {
            e.OnConcurrencySuccess(2, 2);
        }

        Assert.Equal(2, e.Concurrency);
        e.OnConcurrencySuccess(2, 2);
        Assert.Equal(3, e.Concurrency);
    }

    [Fact]
    public void OnConcurrencySuccess_RaisedCallEndsAlone_DoesNotProveTheRaise()
    {
        // A key that takes one call at a time, learned; 16 successes at the cap try a second.
        var e = new LimitEstimator();
        e.OnConcurrencyRefused(2);
        for (var i = 0; i < 16; i++)
        {
            e.OnConcurrencySuccess(1, 1);
        }

        Assert.Equal(2, e.Concurrency);

        // Leased beside another call, but that one's answer was only in transit (the upstream had ended it) and it was
        // gone before this one ended: the two never ran together upstream, so this success says nothing of a second slot.
        e.OnConcurrencySuccess(2, 1);
        e.OnConcurrencyRefused(2);
        Assert.Equal(1, e.Concurrency);

        // The raise was refused: the next waits twice as long (32 successes), not 16 as after a proven raise.
        for (var i = 0; i < 31; i++)
        {
            e.OnConcurrencySuccess(1, 1);
        }

        Assert.Equal(1, e.Concurrency);
        e.OnConcurrencySuccess(1, 1);
        Assert.Equal(2, e.Concurrency);

        // Two calls that were both in flight from lease to end prove it.
        e.OnConcurrencySuccess(2, 2);
        e.OnConcurrencyRefused(3);
        Assert.Equal(2, e.Concurrency);
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
        // waits in the queue (or, when the queue is longer than the slots free within a call, gets a 429 at once). On a fake clock, each step starts the due calls and ends those 100 ms old.
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

            await SettleAsync(router.GetGroup("pool")!, waiting);
            foreach (var ready in waiting.Where(w => w.IsCompleted).ToList())
            {
                waiting.Remove(ready);
                if ((await ready).Lease is not { } lease)
                {
                    // Over capacity (1.5×): once the queue holds more than the slots free within one call, a fast 429.
                    continue;
                }

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

    /// <summary>
    /// Waits (real time, at most 10 s) until every acquisition the router no longer holds in its queue has completed:
    /// handed-off leases and refusals finish on the thread pool, which a loaded machine runs late. A bare
    /// <c>Task.Yield</c> let this test miss handoffs (104 of 120 served at load average 30).
    /// </summary>
    private static async Task SettleAsync(ModelGroup group, List<Task<RouteDecision>> waiting)
    {
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 10);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            int queued;
            lock (group.Gate)
            {
                queued = group.Waiters.Count;
            }

            if (waiting.Count(w => !w.IsCompleted) <= queued)
            {
                return;
            }

            await Task.Delay(1);
        }
    }

    [Fact]
    public async Task IsLearningRefusal_Zai1302WithAnotherCallInFlight_IsFreeAndTheRetryGoesToAKeyWithRoom()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        var first = (await router.AcquireAsync(request: Req("b"))).Lease!;
        var second = (await router.AcquireAsync(request: Req("b"))).Lease!;
        var failure = Zai("1302", time.GetUtcNow());
        router.ReportFailure(second, failure);

        Assert.True(Router.IsLearningRefusal(second, failure));
        second.Dispose();

        // Tried again without excluding the key: "a" is at its learned concurrency, so the call goes to "b".
        Assert.Equal("b", await router.PickAsync());
        first.Dispose();
    }

    [Fact]
    public async Task IsLearningRefusal_SecondAloneRefusalInARow_SpendsARetry()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));
        var lease = (await router.AcquireAsync()).Lease!;
        var failure = Zai("1302", time.GetUtcNow());
        router.ReportFailure(lease, failure);
        lease.Dispose();
        Assert.True(Router.IsLearningRefusal(lease, failure)); // most likely our own last call, not yet ended upstream

        time.Advance(Router.ConcurrencyAloneRest);
        lease = (await router.AcquireAsync()).Lease!;
        router.ReportFailure(lease, failure);
        lease.Dispose();
        Assert.False(Router.IsLearningRefusal(lease, failure)); // someone else uses the key's account
    }

    [Fact]
    public async Task IsLearningRefusal_Zai1303OrFixedCooldowns_IsNeverFree()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));
        var lease = (await router.AcquireAsync()).Lease!;
        Assert.False(Router.IsLearningRefusal(lease, Zai("1303", time.GetUtcNow())));
        lease.Dispose();

        var (fixedRouter, fixedTime, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"));
        var one = (await fixedRouter.AcquireAsync()).Lease!;
        var two = (await fixedRouter.AcquireAsync()).Lease!;
        var failure = Zai("1302", fixedTime.GetUtcNow());
        fixedRouter.ReportFailure(two, failure);
        Assert.False(Router.IsLearningRefusal(two, failure));
        two.Dispose();
        one.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_EveryKeyAtItsLearnedConcurrencyAndTheWaitTooLong_Answers429AtOnceWithTheExpectedWait()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        await LearnOneAtATimeAsync(router, time, "a", "b");
        await LearnOneAtATimeAsync(router, time, "b", "a");
        var held = new[] { (await router.AcquireAsync()).Lease!, (await router.AcquireAsync()).Lease! };

        // Two slots, calls of 2 s: the next slot in 1 s, the one after in 2 s (one call's length: still worth waiting
        // for), a third waiter's in 3 s: more than wait_for_cooldown_s (0) and one call, so a 429 now, not a queue.
        var firstWaiter = Start(router).AsTask();
        var secondWaiter = Start(router).AsTask();
        var third = Start(router).AsTask();
        Assert.False(firstWaiter.IsCompleted);
        Assert.False(secondWaiter.IsCompleted);
        Assert.True(third.IsCompleted);
        var refused = await third;
        Assert.Null(refused.Lease);
        Assert.Equal(NoDeploymentReason.QueueFull, refused.Reason);
        Assert.Equal(TimeSpan.FromSeconds(3), refused.RetryAfter);

        // A freed slot still goes to the oldest waiter.
        held[0].Dispose();
        var served = await firstWaiter;
        Assert.NotNull(served.Lease);
        served.Lease!.Dispose();
        var next = await secondWaiter;
        next.Lease!.Dispose();
        held[1].Dispose();
    }

    [Fact]
    public async Task AcquireAsync_AdmittedCallBackAfterALearningRefusal_QueuesInsteadOfALate429()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        await LearnOneAtATimeAsync(router, time, "a", "b");
        await LearnOneAtATimeAsync(router, time, "b", "a");
        var held = new[] { (await router.AcquireAsync()).Lease!, (await router.AcquireAsync()).Lease! };
        var waiters = new[] { Start(router).AsTask(), Start(router).AsTask() };
        Assert.All(waiters, w => Assert.False(w.IsCompleted));

        // A call already let in (it waited, was served and got a 1302 that only taught a cap) comes back to a queue whose
        // expected wait (3 s) is over the allowance: a fresh call gets a 429 at once, this one waits for its slot.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null((await Start(router)).Lease);
        var back = router.AcquireAsync(router.GetGroup("pool")!, Req() with { Admitted = true }, CancellationToken.None).AsTask();
        Assert.False(back.IsCompleted);

        foreach (var lease in held)
        {
            lease.Dispose();
        }

        (await waiters[0]).Lease!.Dispose();
        (await waiters[1]).Lease!.Dispose();
        var served = await back;
        Assert.NotNull(served.Lease);
        served.Lease!.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_QueuedCallWhenEveryKeyRestsBrieflyAfterALoneRefusal_IsServedAfterTheRestNotRefused()
    {
        // The late 429 of bench/pool.sh (1302 keys, 1.5×): a call admitted into the queue, then both keys refuse their
        // only call in flight (our own last call not yet ended upstream) and rest 0.5 s. Every key cooling used to wake
        // the waiter with "all cooling" and, with wait_for_cooldown_s 0, a 429 after its wait; it must be served instead.
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        await LearnOneAtATimeAsync(router, time, "a", "b");
        await LearnOneAtATimeAsync(router, time, "b", "a");
        var held = new[] { (await router.AcquireAsync()).Lease!, (await router.AcquireAsync()).Lease! };
        var waiter = Start(router).AsTask();
        Assert.False(waiter.IsCompleted);

        foreach (var lease in held)
        {
            router.ReportFailure(lease, Zai("1302", time.GetUtcNow()));
            lease.Dispose();
        }

        Assert.True(router.Status("a").CoolingDown);
        Assert.True(router.Status("b").CoolingDown);

        // Each refused call is tried again as admitted (a free retry), excluding the key that refused it.
        var calls = new List<Task<RouteDecision>> { waiter };
        calls.AddRange(held.Select(l => router.AcquireAsync(router.GetGroup("pool")!, Req(l.Deployment.Id) with { Admitted = true }, CancellationToken.None).AsTask()));
        time.Advance(Router.ConcurrencyAloneRest);
        while (calls.Count > 0)
        {
            var done = await Task.WhenAny(calls).WaitAsync(TimeSpan.FromSeconds(10));
            calls.Remove(done);
            var decision = await done;
            Assert.True(decision.Lease is not null, $"an admitted call was refused ({decision.Reason}) for a 0.5-s rest");
            decision.Lease!.Dispose();
        }
    }

    [Fact]
    public async Task AcquireAsync_EveryKeyAtItsLearnedConcurrencyButFewDurationsSeen_Queues()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));
        var first = (await router.AcquireAsync()).Lease!;
        var second = (await router.AcquireAsync()).Lease!;
        router.ReportFailure(second, Zai("1302", time.GetUtcNow()));
        second.Dispose();
        router.ReportSuccess(first, new AttemptOutcome(TimeSpan.FromSeconds(2), null, 10, 10, null));
        first.Dispose();
        var held = (await router.AcquireAsync()).Lease!;

        // One slow (cold) call is no forecast: the calls queue as at a configured cap.
        var waiters = Enumerable.Range(0, 3).Select(_ => Start(router).AsTask()).ToArray();
        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        held.Dispose();
        foreach (var w in waiters)
        {
            (await w).Lease!.Dispose();
        }
    }

    [Fact]
    public async Task AcquireAsync_EveryKeyAtItsLearnedConcurrencyWithinWaitForCooldown_Queues()
    {
        var (router, time, _) = Build(new RouterSettings { WaitForCooldown = TimeSpan.FromSeconds(10) }, Dep("a"), Dep("b"));
        await LearnOneAtATimeAsync(router, time, "a", "b");
        await LearnOneAtATimeAsync(router, time, "b", "a");
        var held = new[] { (await router.AcquireAsync()).Lease!, (await router.AcquireAsync()).Lease! };

        var waiters = Enumerable.Range(0, 3).Select(_ => Start(router).AsTask()).ToArray();
        Assert.All(waiters, w => Assert.False(w.IsCompleted)); // 3 s for the last: within the 10 s allowed

        foreach (var lease in held)
        {
            lease.Dispose();
        }

        var first = await waiters[0];
        first.Lease!.Dispose();
        var second = await waiters[1];
        second.Lease!.Dispose();
        var third = await waiters[2];
        third.Lease!.Dispose();
    }

    /// <summary>Two calls in flight on <paramref name="id"/>, the second refused (1302): learned concurrency 1; it and the next calls took 2 s.</summary>
    private static async Task LearnOneAtATimeAsync(Router router, Microsoft.Extensions.Time.Testing.FakeTimeProvider time, string id, string other)
    {
        var first = (await router.AcquireAsync(request: Req(other))).Lease!;
        var second = (await router.AcquireAsync(request: Req(other))).Lease!;
        router.ReportFailure(second, Zai("1302", time.GetUtcNow()));
        second.Dispose();
        router.ReportSuccess(first, new AttemptOutcome(TimeSpan.FromSeconds(2), null, 10, 10, null));
        first.Dispose();
        for (var i = 1; i < Router.MinTimedCalls; i++)
        {
            await router.SucceedAsync(id, new AttemptOutcome(TimeSpan.FromSeconds(2), null, 10, 10, null));
        }

        Assert.Equal(1, router.Status(id).LearnedConcurrency);
    }
}
