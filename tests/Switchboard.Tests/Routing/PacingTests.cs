using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

/// <summary>The router paces deployments to their learned limits (adaptive_limits, on by default).</summary>
public sealed class PacingTests
{
    private static AttemptOutcome Ok(RequestWindow? window = null) => new(TimeSpan.FromMilliseconds(10), null, 10, 10, null, window);

    [Fact]
    public async Task AcquireAsync_KeyAtItsStatedLimit_SkipsItUntilItsWindowResets()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        var reset = time.GetUtcNow() + TimeSpan.FromSeconds(5);
        await router.SucceedAsync("a", Ok(new RequestWindow(2, 1, reset)));
        await router.SucceedAsync("a", Ok(new RequestWindow(2, 0, reset)));

        Assert.Equal(new Dictionary<string, int> { ["b"] = 6 }, await router.CountPicksAsync(6));

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("a", await router.PickAsync(request: Req("b")));
    }

    [Fact]
    public async Task ReportFailure_Zai1303_RestsTheKeyUntilItsWindowIsExpectedToResetNotCooldownTime()
    {
        var (router, time, _) = Build(new RouterSettings { CooldownTime = TimeSpan.FromSeconds(60) }, Dep("a"));
        for (var i = 0; i < 3; i++)
        {
            await router.SucceedAsync("a", Ok());
        }

        await router.FailAsync("a", Zai("1303", time.GetUtcNow()));

        // Nothing is known of the window yet: the key is tried again just after the shortest round window (1 s, plus
        // 30 ms for the call's travel), by one probe while the others wait for it.
        Assert.Equal(1.03, router.Status("a").CooldownSecondsLeft);
        time.Advance(TimeSpan.FromSeconds(1.03));
        var probe = await router.AcquireAsync();
        Assert.Equal("a", probe.Lease?.Deployment.Id);
        Assert.True(router.GetGroup("pool")!.Deployments[0].AtParallelCap);
        router.ReportSuccess(probe.Lease!, Ok());
        probe.Lease!.Dispose();

        // The success bounds the window (1.03 s); the estimate is the 3 calls that succeeded before the refusal.
        var limits = router.GetGroup("pool")!.Deployments[0].Limits;
        Assert.Equal((3, TimeSpan.FromSeconds(1.03)), (limits.Limit, limits.Window));
        Assert.Equal("a", await router.PickAsync());
        Assert.Equal("a", await router.PickAsync());
        var full = await router.AcquireAsync();
        Assert.Equal(NoDeploymentReason.AllCoolingDown, full.Reason);
        // The proven limit is used up: the next window is tried a little early (0.98 s, once, to check the learned 1.03 s
        // is not too long), so the pool has room again in 1 s.
        Assert.Equal(TimeSpan.FromSeconds(1), full.RetryAfter);
    }

    [Fact]
    public async Task AcquireAsync_EveryKeyAtItsLimit_FailsAtOnceWithRetryAfterOfTheEarliestWindow()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        var now = time.GetUtcNow();
        await router.SucceedAsync("a", Ok(new RequestWindow(1, 0, now + TimeSpan.FromSeconds(3))));
        await router.SucceedAsync("b", Ok(new RequestWindow(1, 0, now + TimeSpan.FromSeconds(5))));

        var decision = await router.AcquireAsync();

        Assert.False(decision.Success);
        Assert.Equal(NoDeploymentReason.AllCoolingDown, decision.Reason);
        Assert.Equal(TimeSpan.FromSeconds(3), decision.RetryAfter);
    }

    [Fact]
    public async Task AcquireAsync_WaitForCooldownCoversTheWindow_WaitsForTheKey()
    {
        var (router, time, _) = Build(new RouterSettings { WaitForCooldown = TimeSpan.FromSeconds(10) }, Dep("a"));
        await router.SucceedAsync("a", Ok(new RequestWindow(1, 0, time.GetUtcNow() + TimeSpan.FromSeconds(3))));

        var waiting = router.AcquireAsync();
        for (var i = 0; i < 50 && !waiting.IsCompleted; i++)
        {
            Assert.True(i < 30, "the call did not get the key when its window reset");
            time.Advance(TimeSpan.FromMilliseconds(100));

            // The waiter wakes on a thread-pool continuation: give it real time to run before the clock moves on (a fixed
            // 1 ms was too little on a busy machine, and the window's last step then looked like a missed reset).
            await Task.WhenAny(waiting, Task.Delay(100));
        }

        var decision = await waiting;
        Assert.Equal("a", decision.Lease?.Deployment.Id);
        decision.Lease!.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_LearnedLimitAboveRpm_RpmStillCaps()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a") with { Rpm = 2 });
        await router.SucceedAsync("a", Ok(new RequestWindow(100, 99, time.GetUtcNow() + TimeSpan.FromSeconds(60))));

        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["(none)"] = 4 }, await router.CountPicksAsync(5));
    }

    [Fact]
    public async Task AcquireAsync_AdaptiveLimitsOff_DoesNotPace()
    {
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"));
        await router.SucceedAsync("a", Ok(new RequestWindow(1, 0, time.GetUtcNow() + TimeSpan.FromSeconds(30))));

        Assert.Equal(new Dictionary<string, int> { ["a"] = 3 }, await router.CountPicksAsync(3));
    }

    [Fact]
    public async Task Snapshot_KeyAtItsStatedLimit_ShowsTheLearnedLimitAndPacing()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));
        await router.SucceedAsync("a", Ok(new RequestWindow(2, 0, time.GetUtcNow() + TimeSpan.FromSeconds(4))));

        var a = router.Status("a");
        Assert.Equal((2, true, 2, 4.0, 4.0), (a.LearnedRequests, a.LearnedExact, a.WindowUsed, a.LearnedWindowSeconds, a.PacedSecondsLeft));
        var table = RouterStatusTable.Format(router.Snapshot());
        Assert.Contains("paced 4s", table);
        Assert.Contains("2/=2 per 4s", table);
    }
}
