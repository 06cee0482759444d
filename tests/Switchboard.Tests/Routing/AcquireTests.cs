using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

public sealed class AcquireTests
{
    [Fact]
    public async Task AcquireAsync_AllCoolingDown_RetryAfterIsEarliestRecoveryInWholeSeconds()
    {
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"), Dep("b"));
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));
        time.Advance(TimeSpan.FromSeconds(20.5));
        await router.FailAsync("b", Failure(FailureKind.RateLimited, 429));

        var d = await router.AcquireAsync();
        Assert.False(d.Success);
        Assert.Equal(NoDeploymentReason.AllCoolingDown, d.Reason);
        Assert.Equal(TimeSpan.FromSeconds(40), d.RetryAfter); // a recovers in 39.5 s
        Assert.Contains("'pool'", d.Message);
    }

    [Fact]
    public async Task AcquireAsync_AllCoolingDownAlmostOver_RetryAfterAtLeastOneSecond()
    {
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"));
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));
        time.Advance(TimeSpan.FromSeconds(59.9));
        Assert.Equal(TimeSpan.FromSeconds(1), (await router.AcquireAsync()).RetryAfter);
    }

    [Fact]
    public async Task AcquireAsync_WaitForCooldownCoversRecovery_WaitsThenPicks()
    {
        // The guide's fixed 3 s rest for 1302 (adaptive_limits rests a key that refused its only call for 0.5 s).
        var settings = new RouterSettings { WaitForCooldown = TimeSpan.FromSeconds(10), AdaptiveLimits = false };
        var (router, time, _) = Build(settings, Dep("a"));
        await router.FailAsync("a", Zai("1302", time.GetUtcNow()));

        var pending = router.AcquireAsync(router.GetGroup("pool")!, Req(), CancellationToken.None).AsTask();
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var d = await pending;
        Assert.Equal("a", d.Lease!.Deployment.Id);
    }

    /// <summary>Polls (real time, at most 10 s): a call started on the thread pool of a loaded machine may start late.</summary>
    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "the call never started waiting");
    }

    [Fact]
    public async Task AcquireAsync_WaitForCooldownEndingWithinAMillisecond_WaitsAWholeMillisecondInsteadOfSpinning()
    {
        // A timer's due time counts whole milliseconds: a wait of 0.4 ms fired at once, the rest was not over yet, and
        // the call waited 0.4 ms again, over and over, without the clock moving (a spin on a real clock, a hang on a fake one).
        var time = new TimerCountingTime();
        var router = new Router(RoutingKit.Config(new RouterSettings { WaitForCooldown = TimeSpan.FromSeconds(10), AdaptiveLimits = false }, Dep("a")),
            time, new CapturingLogger(), new Random(42));
        await router.FailAsync("a", Zai("1302", time.GetUtcNow()));
        time.Advance(Router.ConcurrencyCooldown - TimeSpan.FromMilliseconds(0.4));

        var pending = Task.Run(() => router.AcquireAsync(router.GetGroup("pool")!, Req(), CancellationToken.None).AsTask());
        await UntilAsync(() => time.Timers >= 1);
        await Task.WhenAny(pending, Task.Delay(TimeSpan.FromMilliseconds(100)));
        Assert.False(pending.IsCompleted);
        Assert.InRange(time.Timers, 1, 2);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var d = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("a", d.Lease!.Deployment.Id);
    }

    [Fact]
    public async Task AcquireAsync_QueuedWhileARestEndsWithinAMillisecond_WakesOnceInsteadOfSpinning()
    {
        var time = new TimerCountingTime();
        var router = new Router(RoutingKit.Config(new RouterSettings { AdaptiveLimits = false }, Dep("a") with { MaxParallelRequests = 1 }, Dep("b")),
            time, new CapturingLogger(), new Random(42));
        await router.FailAsync("b", Zai("1302", time.GetUtcNow()));
        var held = (await router.AcquireAsync()).Lease!;
        Assert.Equal("a", held.Deployment.Id);
        time.Advance(Router.ConcurrencyCooldown - TimeSpan.FromMilliseconds(0.4));

        // In the queue for a's slot, waking when b's rest ends: 0.4 ms from now.
        var timersBefore = time.Timers;
        var pending = Task.Run(() => router.AcquireAsync(router.GetGroup("pool")!, Req(), CancellationToken.None).AsTask());
        await UntilAsync(() => time.Timers > timersBefore);
        await Task.WhenAny(pending, Task.Delay(TimeSpan.FromMilliseconds(100)));
        Assert.False(pending.IsCompleted);
        Assert.InRange(time.Timers - timersBefore, 1, 2);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var d = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("b", d.Lease!.Deployment.Id);
        d.Lease.Dispose();
        held.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_WaitForCooldownShorterThanRecovery_FailsAtOnce()
    {
        var settings = new RouterSettings { AdaptiveLimits = false, WaitForCooldown = TimeSpan.FromSeconds(10) };
        var (router, _, _) = Build(settings, Dep("a"));
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));
        var pending = router.AcquireAsync(router.GetGroup("pool")!, Req(), CancellationToken.None);
        Assert.True(pending.IsCompleted);
        Assert.Equal(NoDeploymentReason.AllCoolingDown, (await pending).Reason);
    }

    [Fact]
    public async Task AcquireAsync_Excluded_PicksAnUntriedDeployment()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a"), Dep("b"), Dep("c"));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("c", await router.PickAsync(request: Req("a", "b")));
        }
    }

    [Fact]
    public async Task AcquireAsync_AllTriedAndHealthy_AllTriedWithoutRetryAfter()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        var d = await router.AcquireAsync(request: Req("a", "b"));
        Assert.Equal(NoDeploymentReason.AllTried, d.Reason);
        Assert.Null(d.RetryAfter);
    }

    [Fact]
    public async Task AcquireAsync_AllTriedAndCooling_AllTriedWithEarliestRecovery()
    {
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"), Dep("b"));
        await router.FailAsync("a", Zai("1302", time.GetUtcNow()));
        await router.FailAsync("b", Failure(FailureKind.RateLimited, 429));
        var d = await router.AcquireAsync(request: Req("a", "b"));
        Assert.Equal(NoDeploymentReason.AllTried, d.Reason);
        Assert.Equal(TimeSpan.FromSeconds(3), d.RetryAfter);
    }

    [Fact]
    public async Task Lease_DisposedTwice_FreesOneSlot()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a"));
        var l1 = (await router.AcquireAsync()).Lease!;
        var l2 = (await router.AcquireAsync()).Lease!;
        l1.Dispose();
        l1.Dispose();
        Assert.Equal(1, router.Status("a").InFlight);
        l2.Dispose();
        Assert.Equal(0, router.Status("a").InFlight);
    }
}

/// <summary>A fake clock that counts the timers made on it (a waiting call makes one per wake-up).</summary>
internal sealed class TimerCountingTime() : Microsoft.Extensions.Time.Testing.FakeTimeProvider(RoutingKit.Start)
{
    private int _timers;

    public int Timers => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
