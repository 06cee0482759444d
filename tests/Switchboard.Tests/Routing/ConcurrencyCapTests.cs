using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

public sealed class ConcurrencyCapTests
{
    private static (Router Router, Microsoft.Extensions.Time.Testing.FakeTimeProvider Time) Capped(RouterSettings? settings = null)
    {
        var (router, time, _) = Build(settings ?? new RouterSettings(),
            Dep("a") with { MaxParallelRequests = 1 }, Dep("b") with { MaxParallelRequests = 1 });
        return (router, time);
    }

    private static ValueTask<RouteDecision> Start(Router router, CancellationToken ct = default) =>
        router.AcquireAsync(router.GetGroup("pool")!, Req(), ct);

    [Fact]
    public async Task AcquireAsync_DeploymentAtCap_Skipped()
    {
        var (router, _) = Capped();
        var first = (await router.AcquireAsync()).Lease!;
        for (var i = 0; i < 5; i++)
        {
            var other = (await router.AcquireAsync()).Lease!;
            Assert.NotEqual(first.Deployment.Id, other.Deployment.Id);
            other.Dispose();
        }

        first.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_AllAtCap_WaitsAndGetsTheFreedSlot()
    {
        var (router, _) = Capped();
        var a = (await router.AcquireAsync()).Lease!;
        var b = (await router.AcquireAsync()).Lease!;
        var waiting = Start(router).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, router.Snapshot().Groups[0].Queued);

        b.Dispose();
        var got = await waiting;
        Assert.Equal(b.Deployment.Id, got.Lease!.Deployment.Id);
        Assert.Equal(1, router.Status(b.Deployment.Id).InFlight);
        got.Lease.Dispose();
        a.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_Waiters_ServedInFifoOrder()
    {
        var (router, _) = Capped();
        var held = new Queue<DeploymentLease>([(await router.AcquireAsync()).Lease!, (await router.AcquireAsync()).Lease!]);
        var waiters = Enumerable.Range(0, 5).Select(_ => Start(router).AsTask()).ToArray();
        Assert.Equal(5, router.Snapshot().Groups[0].Queued);

        for (var i = 0; i < waiters.Length; i++)
        {
            held.Dequeue().Dispose();
            var lease = (await waiters[i]).Lease!;
            Assert.All(waiters.Skip(i + 1), w => Assert.False(w.IsCompleted));
            held.Enqueue(lease);
        }

        while (held.Count > 0)
        {
            held.Dequeue().Dispose();
        }
    }

    [Fact]
    public async Task AcquireAsync_TwoWaitersOneSlotFreed_OnlyTheOldestServed()
    {
        var (router, _) = Capped();
        var a = (await router.AcquireAsync()).Lease!;
        var b = (await router.AcquireAsync()).Lease!;
        var first = Start(router).AsTask();
        var second = Start(router).AsTask();
        a.Dispose();
        Assert.Equal("a", (await first).Lease!.Deployment.Id);
        Assert.False(second.IsCompleted);
        b.Dispose();
        Assert.Equal("b", (await second).Lease!.Deployment.Id);
    }

    [Fact]
    public async Task AcquireAsync_CancelledWaiter_LeavesQueueWithoutLosingTheWakeUp()
    {
        var (router, _) = Capped();
        var a = (await router.AcquireAsync()).Lease!;
        var b = (await router.AcquireAsync()).Lease!;
        using var cts = new CancellationTokenSource();
        var cancelled = Start(router, cts.Token).AsTask();
        var next = Start(router).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, router.Snapshot().Groups[0].Queued);

        a.Dispose();
        Assert.Equal("a", (await next).Lease!.Deployment.Id);
        Assert.Equal(0, router.Snapshot().Groups[0].Queued);
        b.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_QueueBoundReached_QueueFull()
    {
        var (router, _) = Capped(new RouterSettings { MaxQueuedRequests = 1 });
        var a = (await router.AcquireAsync()).Lease!;
        var b = (await router.AcquireAsync()).Lease!;
        var queued = Start(router).AsTask();
        var full = await router.AcquireAsync();
        Assert.Equal(NoDeploymentReason.QueueFull, full.Reason);
        a.Dispose();
        (await queued).Lease!.Dispose();
        b.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_NoSlotWithinRequestTimeout_QueueTimeout()
    {
        var (router, time) = Capped(new RouterSettings { RequestTimeout = TimeSpan.FromSeconds(10) });
        var a = (await router.AcquireAsync()).Lease!;
        var b = (await router.AcquireAsync()).Lease!;
        var waiting = Start(router).AsTask();
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(NoDeploymentReason.QueueTimeout, (await waiting).Reason);
        Assert.Equal(0, router.Snapshot().Groups[0].Queued);
        a.Dispose();
        b.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_WaitingAtCapWhileOtherCools_WakesWhenCooldownEnds()
    {
        var (router, time) = Capped();
        await router.FailAsync("b", Zai("1302", time.GetUtcNow()));
        var a = (await router.AcquireAsync()).Lease!;
        Assert.Equal("a", a.Deployment.Id);
        var waiting = Start(router).AsTask();
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("b", (await waiting).Lease!.Deployment.Id);
        a.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_EveryKeyDisabledWhileWaiting_WaiterGetsAllDisabledAtNextRelease()
    {
        var (router, _) = Capped();
        var a = (await router.AcquireAsync()).Lease!;
        var b = (await router.AcquireAsync()).Lease!;
        var waiting = Start(router).AsTask();
        router.ReportFailure(a, Failure(FailureKind.KeyDisabled, 401));
        router.ReportFailure(b, Failure(FailureKind.KeyDisabled, 401));
        Assert.False(waiting.IsCompleted);
        a.Dispose();
        var d = await waiting;
        Assert.Equal(NoDeploymentReason.AllDisabled, d.Reason);
        Assert.Equal(0, router.Snapshot().Groups[0].Queued);
        b.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_ThirtyConcurrentOverThreeSingleSlotKeys_NeverTwoAtOnce()
    {
        var (router, _, _) = Build(new RouterSettings(),
            Dep("a") with { MaxParallelRequests = 1 }, Dep("b") with { MaxParallelRequests = 1 }, Dep("c") with { MaxParallelRequests = 1 });
        var group = router.GetGroup("pool")!;
        var busy = new int[3];
        var overlaps = 0;
        await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => Task.Run(async () =>
        {
            var d = await router.AcquireAsync(group, Req(), CancellationToken.None);
            var i = d.Lease!.Deployment.Id[0] - 'a';
            if (Interlocked.Increment(ref busy[i]) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            await Task.Yield();
            Interlocked.Decrement(ref busy[i]);
            d.Lease.Dispose();
        })));
        Assert.Equal(0, overlaps);
        Assert.Equal(30, router.Snapshot().Groups[0].Deployments.Sum(d => d.Total.Requests));
    }
}
