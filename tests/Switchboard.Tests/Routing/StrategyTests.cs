using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

public sealed class StrategyTests
{
    private static readonly string[] Four = ["a", "b", "c", "d"];

    [Fact]
    public async Task RoundRobin_10000Picks_ExactlyEven()
    {
        var (router, _, _) = Build(new RouterSettings(), [.. Four.Select(id => Dep(id))]);
        var counts = await router.CountPicksAsync(10_000);
        Assert.All(Four, id => Assert.Equal(2500, counts[id]));
    }

    [Fact]
    public async Task RoundRobin_Sequence_RotatesStrictlyInConfigOrder()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a"), Dep("b"), Dep("c"));
        var picks = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            picks.Add(await router.PickAsync());
        }

        Assert.Equal(["a", "b", "c", "a", "b", "c"], picks);
    }

    [Fact]
    public async Task RoundRobin_200ParallelAcquisitions_50Each()
    {
        var (router, _, _) = Build(new RouterSettings(), [.. Four.Select(id => Dep(id))]);
        var group = router.GetGroup("pool")!;
        var decisions = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(_ => Task.Run(async () => await router.AcquireAsync(group, Req(), CancellationToken.None))));
        var counts = decisions.GroupBy(d => d.Lease!.Deployment.Id).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(Four, id => Assert.Equal(50, counts[id]));
        Assert.All(Four, id => Assert.Equal(50, router.Status(id).InFlight));
        foreach (var d in decisions)
        {
            d.Lease!.Dispose();
        }

        Assert.All(Four, id => Assert.Equal(0, router.Status(id).InFlight));
    }

    [Fact]
    public async Task SimpleShuffle_Weights_PicksInProportionWithin3Percent()
    {
        var settings = new RouterSettings { RoutingStrategy = "simple-shuffle" };
        var (router, _, _) = Build(settings, Dep("a") with { Weight = 1 }, Dep("b") with { Weight = 3 });
        var counts = await router.CountPicksAsync(10_000);
        Assert.InRange(counts["a"], 2200, 2800);
        Assert.InRange(counts["b"], 7200, 7800);
    }

    [Fact]
    public async Task SimpleShuffle_NoWeightButRpm_WeighsByRpm()
    {
        var settings = new RouterSettings { RoutingStrategy = "simple-shuffle" };
        var (router, _, _) = Build(settings, Dep("a") with { Rpm = 100_000 }, Dep("b") with { Rpm = 400_000 });
        var counts = await router.CountPicksAsync(10_000);
        Assert.InRange(counts["a"], 1700, 2300);
        Assert.InRange(counts["b"], 7700, 8300);
    }

    [Fact]
    public async Task SimpleShuffle_NoWeights_UniformWithin3Percent()
    {
        var (router, _, _) = Build(new RouterSettings { RoutingStrategy = "simple-shuffle" }, [.. Four.Select(id => Dep(id))]);
        var counts = await router.CountPicksAsync(10_000);
        Assert.All(Four, id => Assert.InRange(counts[id], 2200, 2800));
    }

    [Theory]
    [InlineData("least-busy")]
    [InlineData("least-connections")]
    public async Task LeastBusy_HeldLeases_PicksFewestInFlight(string strategy)
    {
        var (router, _, _) = Build(new RouterSettings { RoutingStrategy = strategy }, Dep("a"), Dep("b"), Dep("c"));
        var held = new List<DeploymentLease>
        {
            (await router.AcquireAsync(request: Req("b", "c"))).Lease!,
            (await router.AcquireAsync(request: Req("b", "c"))).Lease!,
            (await router.AcquireAsync(request: Req("a", "c"))).Lease!,
        };

        Assert.Equal("c", await router.PickAsync());
        var next = await router.AcquireAsync();
        Assert.Equal("c", next.Lease!.Deployment.Id);

        // Now b and c have one each, a two: the next goes to b or c, never a.
        Assert.NotEqual("a", await router.PickAsync());
        next.Lease.Dispose();
        held.ForEach(l => l.Dispose());
    }

    [Fact]
    public async Task LeastBusy_AllIdle_TiesRotateEvenly()
    {
        var (router, _, _) = Build(new RouterSettings { RoutingStrategy = "least-busy" }, [.. Four.Select(id => Dep(id))]);
        var counts = await router.CountPicksAsync(10_000);
        Assert.All(Four, id => Assert.Equal(2500, counts[id]));
    }

    [Fact]
    public async Task UsageBased_TokensUsedThisMinute_PicksLowestShareOfTpm()
    {
        var settings = new RouterSettings { RoutingStrategy = "usage-based-routing-v2" };
        var (router, _, _) = Build(settings, Dep("a") with { Tpm = 10_000 }, Dep("b") with { Tpm = 1_000 });
        await router.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(10), null, 900, 100, null)); // 10 %
        await router.SucceedAsync("b", new AttemptOutcome(TimeSpan.FromMilliseconds(10), null, 150, 50, null)); // 20 %
        Assert.Equal("a", await router.PickAsync());
    }

    [Fact]
    public async Task UsageBased_KeyWithAnOpenWindowWithRoom_PickedBeforeALessUsedKeyUntilItsWindowEnds()
    {
        // a has used more tokens this minute, but its window (10 calls, stated by headers) is open with room until it
        // resets: a call it does not take now is capacity lost, while b has no known limit to lose.
        var (router, time, _) = Build(new RouterSettings { RoutingStrategy = "usage-based-routing" }, Dep("a"), Dep("b"));
        var reset = time.GetUtcNow() + TimeSpan.FromSeconds(5);
        await router.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(10), null, 900, 100, null, new RequestWindow(10, 9, reset)));
        await router.SucceedAsync("b", new AttemptOutcome(TimeSpan.FromMilliseconds(10), null, 90, 10, null));

        Assert.Equal("a", await router.PickAsync());
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("b", await router.PickAsync());
    }

    [Fact]
    public async Task UsageBased_10000PicksWithTokens_SpreadsByTpm()
    {
        var settings = new RouterSettings { RoutingStrategy = "usage-based-routing" };
        var (router, _, _) = Build(settings, Dep("a") with { Tpm = 1_000_000 }, Dep("b") with { Tpm = 3_000_000 });
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 10_000; i++)
        {
            var d = await router.AcquireAsync();
            router.ReportSuccess(d.Lease!, new AttemptOutcome(TimeSpan.FromMilliseconds(5), null, 10, 0, null));
            d.Lease!.Dispose();
            counts[d.Lease.Deployment.Id] = counts.GetValueOrDefault(d.Lease.Deployment.Id) + 1;
        }

        // Equal shares of tpm used: b (three times the tpm) serves three times as many.
        Assert.InRange(counts["a"], 2450, 2550);
        Assert.InRange(counts["b"], 7450, 7550);
    }

    [Fact]
    public async Task LatencyBased_NewDeploymentsFirst_ThenFastest()
    {
        var settings = new RouterSettings { RoutingStrategy = "latency-based-routing" };
        var (router, _, _) = Build(settings, Dep("a"), Dep("b"), Dep("c"));
        await router.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(300), null, 1, 1, null));
        await router.SucceedAsync("b", new AttemptOutcome(TimeSpan.FromMilliseconds(100), null, 1, 1, null));
        Assert.Equal("c", await router.PickAsync());
        await router.SucceedAsync("c", new AttemptOutcome(TimeSpan.FromMilliseconds(200), null, 1, 1, null));
        var counts = await router.CountPicksAsync(10_000);
        Assert.Equal(10_000, counts["b"]);
    }

    [Fact]
    public async Task LatencyBased_Buffer_SplitsAmongNearFastestWithin3Percent()
    {
        var settings = new RouterSettings { RoutingStrategy = "latency-based-routing", LowestLatencyBuffer = 0.5 };
        var (router, _, _) = Build(settings, Dep("a"), Dep("b"), Dep("c"));
        await router.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(100), null, 1, 1, null));
        await router.SucceedAsync("b", new AttemptOutcome(TimeSpan.FromMilliseconds(140), null, 1, 1, null));
        await router.SucceedAsync("c", new AttemptOutcome(TimeSpan.FromMilliseconds(400), null, 1, 1, null));
        var counts = await router.CountPicksAsync(10_000);
        Assert.InRange(counts["a"], 4700, 5300);
        Assert.InRange(counts["b"], 4700, 5300);
        Assert.False(counts.ContainsKey("c"));
    }

    [Fact]
    public async Task LatencyBased_Stream_UsesTimeToFirstToken()
    {
        var settings = new RouterSettings { RoutingStrategy = "latency-based-routing" };
        var (router, _, _) = Build(settings, Dep("a"), Dep("b"));
        await router.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(900), TimeSpan.FromMilliseconds(50), 1, 1, null));
        await router.SucceedAsync("b", new AttemptOutcome(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(250), 1, 1, null));
        Assert.Equal("a", await router.PickAsync(request: new RouteRequest(null, null, 10) { Stream = true }));
        Assert.Equal("b", await router.PickAsync(request: new RouteRequest(null, null, 10)));
    }

    [Fact]
    public async Task Order_LowerTierAvailable_UsedExclusivelyThenNextTier()
    {
        var settings = new RouterSettings { RoutingStrategy = "order" };
        var (router, _, _) = Build(settings, Dep("backup") with { Order = 2 }, Dep("a") with { Order = 1 }, Dep("b") with { Order = 1 });
        var counts = await router.CountPicksAsync(10_000);
        Assert.Equal(5000, counts["a"]);
        Assert.Equal(5000, counts["b"]);
        Assert.False(counts.ContainsKey("backup"));

        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));
        await router.FailAsync("b", Failure(FailureKind.RateLimited, 429));
        Assert.Equal("backup", await router.PickAsync());
    }

    [Fact]
    public async Task RpmCap_Reached_SkippedUntilNextMinute()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a") with { Rpm = 2 }, Dep("b"));
        var picks = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            picks.Add(await router.PickAsync());
        }

        Assert.Equal(2, picks.Count(p => p == "a"));
        Assert.Equal(4, picks.Count(p => p == "b"));
        time.Advance(TimeSpan.FromMinutes(1));
        var next = new[] { await router.PickAsync(), await router.PickAsync() };
        Assert.Contains("a", next);
    }

    [Fact]
    public async Task TpmCap_Reached_SkippedAndAllCappedGivesRetryAfterToNextMinute()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a") with { Tpm = 1_000 });
        time.Advance(TimeSpan.FromSeconds(45));
        var lease = (await router.AcquireAsync()).Lease!;
        router.ReportSuccess(lease, new AttemptOutcome(TimeSpan.FromMilliseconds(5), null, 800, 200, null));
        lease.Dispose();

        var d = await router.AcquireAsync();
        Assert.Equal(NoDeploymentReason.AllCoolingDown, d.Reason);
        Assert.Equal(TimeSpan.FromSeconds(15), d.RetryAfter);
        time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal("a", await router.PickAsync());
    }
}
