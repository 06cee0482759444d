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
