using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

public sealed class ZaiRoutingTests
{
    [Fact]
    public async Task Zai1302_ShortCooldownAndAnotherKeyAtOnce()
    {
        // The guide's behaviour; adaptive_limits learns a concurrency instead (ConcurrencyLearningTests).
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"), Dep("b"));
        await router.FailAsync("a", Zai("1302", time.GetUtcNow()));
        Assert.Equal(3, router.Status("a").CooldownSecondsLeft);
        Assert.Equal("b", await router.PickAsync(request: Req()));
        time.Advance(Router.ConcurrencyCooldown);
        Assert.False(router.Status("a").CoolingDown);
    }

    [Theory]
    [InlineData("1303")]
    [InlineData("1305")]
    public async Task Zai1303And1305_BackoffCooldownDoublesUpToCooldownTime(string code)
    {
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false, CooldownTime = TimeSpan.FromSeconds(15) }, Dep("a"));
        var seen = new List<double?>();
        for (var i = 0; i < 4; i++)
        {
            await router.FailAsync("a", Zai(code, time.GetUtcNow()));
            var left = router.Status("a").CooldownSecondsLeft;
            seen.Add(left);
            time.Advance(TimeSpan.FromSeconds(left!.Value));
        }

        Assert.Equal([5, 10, 15, 15], seen);

        // A success resets the streak.
        await router.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(10), null, 1, 1, null));
        await router.FailAsync("a", Zai(code, time.GetUtcNow()));
        Assert.Equal(5, router.Status("a").CooldownSecondsLeft);
    }

    [Fact]
    public async Task Zai1305_EveryKey_AllOverloaded()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        await router.FailAsync("a", Zai("1305", time.GetUtcNow()));
        await router.FailAsync("b", Zai("1302", time.GetUtcNow()));
        var mixed = await router.AcquireAsync();
        Assert.Equal(NoDeploymentReason.AllCoolingDown, mixed.Reason);
        Assert.False(mixed.AllOverloaded);

        time.Advance(TimeSpan.FromSeconds(3));
        await router.FailAsync("b", Zai("1305", time.GetUtcNow()));
        var d = await router.AcquireAsync();
        Assert.Equal(NoDeploymentReason.AllCoolingDown, d.Reason);
        Assert.True(d.AllOverloaded);
        Assert.False(d.LongOutage);
    }

    [Fact]
    public async Task Zai1304_CoolsUntilNextMidnightChinaTime()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));

        // 10:00 UTC is 18:00 in UTC+8: the quota returns at 16:00 UTC.
        await router.FailAsync("a", Zai("1304", time.GetUtcNow()));
        Assert.Equal(6 * 3600, router.Status("a").CooldownSecondsLeft);
        var d = await router.AcquireAsync();
        Assert.True(d.LongOutage);
        Assert.Equal(TimeSpan.FromHours(6), d.RetryAfter);
    }

    [Fact]
    public async Task Zai1308_CoolsUntilTheResetTimeTheMessageNames()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));
        var failure = Zai("1308", time.GetUtcNow(), message: "Usage limit reached, your limit will reset at 2026-11-25 18:59:08");
        await router.FailAsync("a", failure);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 59, 8, TimeSpan.Zero), failure.CooldownUntil);
        Assert.Equal(59 * 60 + 8, router.Status("a").CooldownSecondsLeft);
    }

    [Fact]
    public async Task Zai1308_UnreadableMessage_CoolsForOneHour()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));
        await router.FailAsync("a", Zai("1308", time.GetUtcNow(), message: "quota used"));
        Assert.Equal(3600, router.Status("a").CooldownSecondsLeft);
    }

    [Theory]
    [InlineData("1113")]
    [InlineData("1309")]
    [InlineData("1313")]
    [InlineData("1000")]
    [InlineData("1001")]
    [InlineData("1002")]
    [InlineData("1003")]
    [InlineData("1004")]
    [InlineData("1110")]
    [InlineData("1111")]
    [InlineData("1112")]
    public async Task ZaiKeyCodes_DisableKey(string code)
    {
        var (router, time, log) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        await router.FailAsync("a", Zai(code, time.GetUtcNow(), status: 401));
        Assert.True(router.Status("a").Disabled);
        Assert.Single(log.Entries, e => e.Id.Id == 3004 && e.Message.Contains(code));
    }

    [Theory]
    [InlineData("1210")]
    [InlineData("1211")]
    [InlineData("1212")]
    [InlineData("1213")]
    [InlineData("1214")]
    [InlineData("1215")]
    [InlineData("1301")]
    public async Task ZaiRequestCodes_ClientErrorNeverRetriedNoHealthChange(string code)
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        var failure = Zai(code, time.GetUtcNow(), status: 400);
        Assert.False(failure.IsRetryableOnAnotherDeployment);
        Assert.Equal(0, router.MaxRetriesFor(failure.Kind));
        await router.FailAsync("a", failure);
        Assert.False(router.Status("a").CoolingDown);
        Assert.False(router.Status("a").Disabled);
    }
}
