using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

public sealed class SessionAffinityTests
{
    private static RouteRequest Session(string id) => new(null, id, 100);

    [Fact]
    public async Task AcquireAsync_SameSession_SticksToFirstDeployment()
    {
        var (router, _, _) = Build(new RouterSettings { SessionAffinity = true }, Dep("a"), Dep("b"), Dep("c"));
        await router.PickAsync();
        var first = await router.PickAsync(request: Session("s1"));
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(first, await router.PickAsync(request: Session("s1")));
            await router.PickAsync(); // other traffic keeps rotating
        }
    }

    [Fact]
    public async Task AcquireAsync_AffinityOff_SessionRotates()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        string?[] picks = [await router.PickAsync(request: Session("s1")), await router.PickAsync(request: Session("s1"))];
        Assert.Equal("a,b", string.Join(",", picks));
    }

    [Fact]
    public async Task AcquireAsync_StickyDeploymentCoolsDown_SessionMovesAndStaysMoved()
    {
        var (router, time, _) = Build(new RouterSettings { SessionAffinity = true }, Dep("a"), Dep("b"));
        Assert.Equal("a", await router.PickAsync(request: Session("s1")));
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));
        Assert.Equal("b", await router.PickAsync(request: Session("s1")));
        time.Advance(TimeSpan.FromMinutes(2));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("b", await router.PickAsync(request: Session("s1")));
        }
    }

    [Fact]
    public async Task AcquireAsync_StickyDeploymentAtCap_StrategyPicksAnother()
    {
        var (router, _, _) = Build(new RouterSettings { SessionAffinity = true },
            Dep("a") with { MaxParallelRequests = 1 }, Dep("b") with { MaxParallelRequests = 1 });
        var held = (await router.AcquireAsync(request: Session("s1"))).Lease!;
        Assert.Equal("a", held.Deployment.Id);
        Assert.Equal("b", await router.PickAsync(request: Session("s1")));
        held.Dispose();
    }

    [Fact]
    public void SessionMap_OverCapacity_EvictsLeastRecentlyUsed()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        var a = router.GetGroup("pool")!.Deployments[0];
        var map = new SessionMap(2);
        map.Set("s1", a);
        map.Set("s2", a);
        Assert.Same(a, map.Get("s1"));
        map.Set("s3", a);
        Assert.Null(map.Get("s2"));
        Assert.Same(a, map.Get("s1"));
        Assert.Equal(2, map.Count);
    }
}
