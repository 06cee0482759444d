using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing.Reload;

public sealed class RouterReloadTests
{
    private static readonly RouterSettings Fixed = new() { AdaptiveLimits = false };

    [Fact]
    public async Task Reload_UnchangedDeployment_KeepsItsCooldownAndCounters()
    {
        var (router, _, _) = Build(Fixed, Dep("a"), Dep("b"));
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));
        await router.SucceedAsync("b", new AttemptOutcome(TimeSpan.FromMilliseconds(120), null, 10, 20, null));
        var before = router.GetGroup("pool")!.Deployments.ToArray();

        var summary = router.Reload(RoutingKit.Config(Fixed, Dep("a"), Dep("b"), Dep("c")));

        Assert.Equal(new ReloadSummary(2, 1, 0, 1), summary);
        var after = router.GetGroup("pool")!.Deployments;
        Assert.Same(before[0], after[0]);
        Assert.Same(before[1], after[1]);
        Assert.Same(before[0].Limits, after[0].Limits);
        Assert.True(router.Status("a").CoolingDown);
        Assert.Equal(60, router.Status("a").CooldownSecondsLeft);
        Assert.Equal(1, router.Status("b").Total.Successes);
        Assert.False(router.Status("c").CoolingDown);
        var picks = await router.CountPicksAsync(10);
        Assert.DoesNotContain("a", picks.Keys);
        Assert.Contains("c", picks.Keys);
    }

    [Fact]
    public async Task Reload_ChangedParameters_StartsTheDeploymentAfresh()
    {
        var (router, _, _) = Build(Fixed, Dep("a"), Dep("b"));
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));

        var summary = router.Reload(RoutingKit.Config(Fixed, Dep("a") with { Rpm = 10 }, Dep("b")));

        Assert.Equal(1, summary.Kept);
        Assert.Equal(1, summary.Added);
        Assert.Equal(1, summary.Removed);
        Assert.False(router.Status("a").CoolingDown);
        Assert.Equal(10, router.GetGroup("pool")!.Deployments[0].Config.Rpm);
    }

    [Fact]
    public async Task Reload_RemovedDeployment_DrainsItsLeaseAndIsNotPickedAgain()
    {
        var (router, _, _) = Build(Fixed, Dep("a"), Dep("b"));
        var held = await router.AcquireAsync("pool", Req("b"));
        Assert.Equal("a", held.Lease!.Deployment.Id);

        router.Reload(RoutingKit.Config(Fixed, Dep("b")));

        Assert.Equal(1, held.Lease.Deployment.InFlight);
        router.ReportSuccess(held.Lease, new AttemptOutcome(TimeSpan.FromMilliseconds(5), null, 1, 1, null));
        held.Lease.Dispose();
        Assert.Equal(0, held.Lease.Deployment.InFlight);
        Assert.Equal(new Dictionary<string, int> { ["b"] = 5 }, await router.CountPicksAsync(5));
    }

    [Fact]
    public async Task Reload_NewAndRemovedGroups_ResolveByTheNewConfig()
    {
        var (router, _, _) = Build(Fixed, Dep("a"), Dep("x", "old-group"));

        router.Reload(RoutingKit.Config(Fixed, Dep("a"), Dep("y", "new-group")));

        Assert.Null(router.ResolveGroup("old-group"));
        Assert.Equal("y", await router.PickAsync("new-group"));
        Assert.Equal(["pool", "new-group"], router.Groups.Select(g => g.Name));
    }

    [Fact]
    public async Task Reload_WaiterAtTheCap_IsServedByAnAddedDeployment()
    {
        var capped = Dep("a") with { MaxParallelRequests = 1 };
        var (router, _, _) = Build(Fixed, capped);
        var first = await router.AcquireAsync();
        var waiting = router.AcquireAsync();
        Assert.False(waiting.IsCompleted);

        router.Reload(RoutingKit.Config(Fixed, capped, Dep("b")));

        var second = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("b", second.Lease!.Deployment.Id);
        first.Lease!.Dispose();
        second.Lease.Dispose();
    }

    [Fact]
    public async Task Reload_DisabledKey_ComesBack()
    {
        var (router, _, _) = Build(Fixed, Dep("a"), Dep("b"));
        await router.FailAsync("a", Failure(FailureKind.KeyDisabled, 401));
        Assert.True(router.Status("a").Disabled);

        router.Reload(RoutingKit.Config(Fixed, Dep("a"), Dep("b")));

        Assert.False(router.Status("a").Disabled);
    }

    [Fact]
    public void Reload_NewSettings_AreReadFromTheNewSnapshot()
    {
        var (router, _, _) = Build(Fixed, Dep("a"));
        Assert.Equal(2, router.MaxRetriesFor(FailureKind.Retryable));

        var next = RoutingKit.Config(Fixed with { NumRetries = 5 }, Dep("a"));
        router.Reload(next);

        Assert.Same(next, router.Config);
        Assert.Equal(5, router.MaxRetriesFor(FailureKind.Retryable));
    }

    [Fact]
    public void SameParameters_HeadersByContentAndIndexIgnored_Equal()
    {
        var a = Dep("a") with { ExtraHeaders = new Dictionary<string, string> { ["x-h"] = "1" } };
        var b = Dep("a") with { Index = 3, ExtraHeaders = new Dictionary<string, string> { ["x-h"] = "1" } };
        var c = Dep("a") with { ExtraHeaders = new Dictionary<string, string> { ["x-h"] = "2" } };

        Assert.True(Router.SameParameters(a, b));
        Assert.False(Router.SameParameters(a, c));
        Assert.False(Router.SameParameters(a, Dep("a") with { ApiKey = "sk-other-key-0123456789" }));
    }
}
