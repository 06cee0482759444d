using Microsoft.Extensions.Logging;
using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

public sealed class CooldownTests
{
    [Fact]
    public async Task ReportFailure_429_CoolsDownForDefault60sThenRecovers()
    {
        var (router, time, log) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"), Dep("b"));
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));
        Assert.True(router.Status("a").CoolingDown);
        Assert.Equal(60, router.Status("a").CooldownSecondsLeft);
        Assert.Contains(log.Entries, e => e.Id.Id == 3001 && e.Message.Contains("…6789") && !e.Message.Contains("sk-secret"));

        var picks = await router.CountPicksAsync(10);
        Assert.Equal(10, picks["b"]);

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(router.Status("a").CoolingDown);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains("a", (await router.CountPicksAsync(2)).Keys);
        Assert.Contains(log.Entries, e => e.Id.Id == 3002 && e.Message.Contains('a'));
    }

    [Fact]
    public async Task ReportFailure_RetryAfterLongerThanCooldownTime_UsesRetryAfter()
    {
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false, CooldownTime = TimeSpan.FromSeconds(30) }, Dep("a"));
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429, retryAfter: TimeSpan.FromSeconds(90)));
        time.Advance(TimeSpan.FromSeconds(89));
        var d = await router.AcquireAsync();
        Assert.Equal(NoDeploymentReason.AllCoolingDown, d.Reason);
        Assert.Equal(TimeSpan.FromSeconds(1), d.RetryAfter);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("a", await router.PickAsync());
    }

    [Fact]
    public async Task ReportFailure_RetryAfterShorterThanCooldownTime_UsesCooldownTime()
    {
        var (router, _, _) = Build(new RouterSettings { AdaptiveLimits = false, CooldownTime = TimeSpan.FromSeconds(30) }, Dep("a"));
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429, retryAfter: TimeSpan.FromSeconds(5)));
        Assert.Equal(30, router.Status("a").CooldownSecondsLeft);
    }

    [Fact]
    public async Task ReportFailure_DeploymentCooldownTime_OverridesRouter()
    {
        var (router, _, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a") with { CooldownTime = TimeSpan.FromSeconds(7) });
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));
        Assert.Equal(7, router.Status("a").CooldownSecondsLeft);
    }

    [Fact]
    public async Task ReportFailure_WhileCooling_ExtendsDeadline()
    {
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"), Dep("b"));
        var lease = (await router.AcquireAsync(request: Req("b"))).Lease!;
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));
        time.Advance(TimeSpan.FromSeconds(40));

        // A second call that was already in flight on a fails late.
        router.ReportFailure(lease, Failure(FailureKind.RateLimited, 429));
        lease.Dispose();
        Assert.Equal(60, router.Status("a").CooldownSecondsLeft);
    }

    [Fact]
    public async Task ReportFailure_ServerErrors_CoolDownOnlyAfterAllowedFailsInAMinute()
    {
        var (router, _, _) = Build(new RouterSettings { AdaptiveLimits = false, AllowedFails = 3 }, Dep("a"), Dep("b"));
        for (var i = 0; i < 3; i++)
        {
            await router.FailAsync("a", Failure(FailureKind.Retryable, 500));
        }

        Assert.False(router.Status("a").CoolingDown);
        await router.FailAsync("a", Failure(FailureKind.Timeout, 0));
        Assert.True(router.Status("a").CoolingDown);
        Assert.Equal(60, router.Status("a").CooldownSecondsLeft);
    }

    [Fact]
    public async Task ReportFailure_FailsSpreadOverMoreThanAMinute_SlidingWindowNeverCools()
    {
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false, AllowedFails = 2 }, Dep("a"), Dep("b"));
        for (var i = 0; i < 10; i++)
        {
            await router.FailAsync("a", Failure(FailureKind.Retryable, 502));
            time.Advance(TimeSpan.FromSeconds(31));
        }

        Assert.False(router.Status("a").CoolingDown);
        await router.FailAsync("a", Failure(FailureKind.Retryable, 502));
        await router.FailAsync("a", Failure(FailureKind.Retryable, 502));
        Assert.True(router.Status("a").CoolingDown);
    }

    [Fact]
    public async Task ReportSuccess_RateLimitHint_CoolsDownBeforeAny429()
    {
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"), Dep("b"));
        var hint = RateLimitHeaders.Read(h => h switch
        {
            "x-ratelimit-remaining-requests" => "0",
            "x-ratelimit-reset-requests" => "20s",
            _ => null,
        }, time.GetUtcNow());
        await router.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(50), null, 10, 10, hint));
        Assert.True(router.Status("a").CoolingDown);
        Assert.Equal(20, router.Status("a").CooldownSecondsLeft);
        Assert.Equal(0, router.Status("a").Total.Status429);
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.False(router.Status("a").CoolingDown);
    }

    [Fact]
    public async Task ReportFailure_401_DisablesKeyWithOneLoudLogLineNamingMaskedKey()
    {
        var (router, time, log) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"), Dep("b"));
        var l1 = (await router.AcquireAsync(request: Req("b"))).Lease!;
        var l2 = (await router.AcquireAsync(request: Req("b"))).Lease!;
        router.ReportFailure(l1, Failure(FailureKind.KeyDisabled, 401, message: "bad key sk-secret-a-0123456789"));
        router.ReportFailure(l2, Failure(FailureKind.KeyDisabled, 401));
        l1.Dispose();
        l2.Dispose();

        var lines = log.Entries.Where(e => e.Id.Id == 3004).ToList();
        var line = Assert.Single(lines);
        Assert.Equal(LogLevel.Critical, line.Level);
        Assert.Contains("…6789", line.Message);
        Assert.DoesNotContain("sk-secret", line.Message);
        Assert.True(router.Status("a").Disabled);

        time.Advance(TimeSpan.FromHours(5));
        Assert.Equal(10, (await router.CountPicksAsync(10))["b"]);
    }

    [Fact]
    public async Task AcquireAsync_AllKeysDisabled_AllDisabledLongOutage()
    {
        var (router, _, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a"), Dep("b"));
        await router.FailAsync("a", Failure(FailureKind.KeyDisabled, 403));
        await router.FailAsync("b", Failure(FailureKind.KeyDisabled, 401));
        var d = await router.AcquireAsync();
        Assert.Equal(NoDeploymentReason.AllDisabled, d.Reason);
        Assert.True(d.LongOutage);
        Assert.Contains("pool", d.Message);
    }

    [Fact]
    public async Task ReportFailure_ClientError_ChangesNoHealth()
    {
        var (router, _, _) = Build(new RouterSettings { AdaptiveLimits = false, AllowedFails = 0 }, Dep("a"));
        for (var i = 0; i < 5; i++)
        {
            await router.FailAsync("a", Failure(FailureKind.ClientError, 400));
        }

        var s = router.Status("a");
        Assert.False(s.CoolingDown);
        Assert.False(s.Disabled);
        Assert.Equal(5, s.Total.FailuresByKind[FailureKind.ClientError]);
        Assert.Equal("a", await router.PickAsync());
    }
}
