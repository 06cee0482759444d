using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

/// <summary>Learned limits survive a router rebuilt from a reloaded config (<see cref="Router.ImportLearnedLimits"/>).</summary>
public sealed class LearnedLimitsTests
{
    [Fact]
    public async Task ImportLearnedLimits_SameDeployments_KeepsTheLimitsAndThePacing()
    {
        var (old, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        await old.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(5), null, 1, 1, null,
            new RequestWindow(2, 0, time.GetUtcNow() + TimeSpan.FromSeconds(4))));
        old.GetGroup("pool")!.Deployments[1].Limits.OnConcurrencyRefused(3);

        var (rebuilt, _, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        Assert.Equal(2, rebuilt.ImportLearnedLimits(old.ExportLearnedLimits()));

        var a = rebuilt.Status("a");
        Assert.Equal((2, true, 4.0, 4.0), (a.LearnedRequests, a.LearnedExact, a.LearnedWindowSeconds, a.PacedSecondsLeft));
        Assert.Equal(2, rebuilt.Status("b").LearnedConcurrency);
        Assert.Equal(new Dictionary<string, int> { ["b"] = 4 }, await rebuilt.CountPicksAsync(4));
    }

    [Fact]
    public async Task ImportLearnedLimits_KeyChanged_StartsAfresh()
    {
        var (old, time, _) = Build(new RouterSettings(), Dep("a"));
        await old.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(5), null, 1, 1, null,
            new RequestWindow(2, 0, time.GetUtcNow() + TimeSpan.FromSeconds(4))));

        var (rebuilt, _, _) = Build(new RouterSettings(), Dep("a") with { ApiKey = "sk-another-key-0123456789" });

        Assert.Equal(0, rebuilt.ImportLearnedLimits(old.ExportLearnedLimits()));
        Assert.Null(rebuilt.Status("a").LearnedRequests);
        Assert.Equal("a", await rebuilt.PickAsync());
    }

    [Fact]
    public async Task ExportLearnedLimits_OldRouterGoesOn_TheRebuiltOneIsNotChangedByIt()
    {
        var (old, time, _) = Build(new RouterSettings(), Dep("a"));
        await old.FailAsync("a", Zai("1302", time.GetUtcNow()));
        var (rebuilt, _, _) = Build(new RouterSettings(), Dep("a"));
        rebuilt.ImportLearnedLimits(old.ExportLearnedLimits());

        old.GetGroup("pool")!.Deployments[0].Limits.OnConcurrencyRefused(1);
        for (var i = 0; i < 100; i++)
        {
            old.GetGroup("pool")!.Deployments[0].Limits.OnConcurrencySuccess(1, 1);
        }

        Assert.Equal(1, rebuilt.Status("a").LearnedConcurrency);
        Assert.NotEqual(1, old.Status("a").LearnedConcurrency);
    }
}
