using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

public sealed class RetryPolicyTests
{
    [Fact]
    public void MaxRetriesFor_NothingSet_Two()
    {
        var router = Build(new RouterSettings(), Dep("a")).Router;
        Assert.Equal(2, router.MaxRetriesFor(FailureKind.RateLimited));
        Assert.Equal(0, router.MaxRetriesFor(FailureKind.ClientError));
    }

    [Fact]
    public void MaxRetriesFor_RouterWinsOverLiteLlmSettings()
    {
        var config = RoutingKit.Config(new RouterSettings { NumRetries = 5 }, Dep("a")) with { LiteLlm = new LiteLlmSettings { NumRetries = 1 } };
        Assert.Equal(5, Build(config).Router.MaxRetriesFor(FailureKind.Retryable));
        var litellmOnly = RoutingKit.Config(new RouterSettings(), Dep("a")) with { LiteLlm = new LiteLlmSettings { NumRetries = 1 } };
        Assert.Equal(1, Build(litellmOnly).Router.MaxRetriesFor(FailureKind.Retryable));
    }

    [Theory]
    [InlineData("RateLimited", 7)]
    [InlineData("ConcurrencyLimited", 7)]
    [InlineData("QuotaExhausted", 7)]
    [InlineData("Timeout", 4)]
    [InlineData("Retryable", 3)]
    [InlineData("Overloaded", 3)]
    [InlineData("KeyDisabled", 1)]
    [InlineData("ClientError", 0)]
    public void MaxRetriesFor_RetryPolicy_PerClass(string kind, int expected)
    {
        var settings = new RouterSettings
        {
            NumRetries = 9,
            RetryPolicy = new Dictionary<string, int>
            {
                ["RateLimitErrorRetries"] = 7,
                ["TimeoutErrorRetries"] = 4,
                ["InternalServerErrorRetries"] = 3,
                ["AuthenticationErrorRetries"] = 1,
                ["BadRequestErrorRetries"] = 6,
            },
        };
        Assert.Equal(expected, Build(settings, Dep("a")).Router.MaxRetriesFor(Enum.Parse<FailureKind>(kind)));
    }

    [Fact]
    public void BackoffDelay_RetryAfterUpTo60s_Honoured()
    {
        var router = Build(new RouterSettings(), Dep("a")).Router;
        Assert.Equal(TimeSpan.FromSeconds(12), router.BackoffDelay(0, TimeSpan.FromSeconds(12)));
        Assert.Equal(TimeSpan.FromSeconds(60), router.BackoffDelay(3, TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void BackoffDelay_NoOrLongRetryAfter_ExponentialWithJitterCapped()
    {
        var router = Build(new RouterSettings(), Dep("a")).Router;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var full = Math.Min(500 * Math.Pow(2, attempt), 8000);
            for (var i = 0; i < 100; i++)
            {
                var retryAfter = i % 2 == 0 ? (TimeSpan?)null : TimeSpan.FromSeconds(61);
                var ms = router.BackoffDelay(attempt, retryAfter).TotalMilliseconds;
                Assert.InRange(ms, full / 2, full);
            }
        }
    }

    [Fact]
    public void BackoffDelay_Jitter_SpreadsDelays()
    {
        var router = Build(new RouterSettings(), Dep("a")).Router;
        var delays = Enumerable.Range(0, 50).Select(_ => router.BackoffDelay(2, null)).Distinct().Count();
        Assert.True(delays > 10);
    }

    [Fact]
    public void NextRoundDelay_EveryTriedDeploymentRestsBeyondWaitForCooldown_GivesUpAtOnce()
    {
        var router = Build(new RouterSettings { WaitForCooldown = TimeSpan.FromSeconds(10) }, Dep("a")).Router;
        Assert.Null(router.NextRoundDelay(0, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)));
        Assert.Null(Build(new RouterSettings(), Dep("a")).Router.NextRoundDelay(0, TimeSpan.FromSeconds(2), null));
    }

    [Fact]
    public void NextRoundDelay_RestWithinWaitForCooldown_WaitsExactlyTheRest()
    {
        var router = Build(new RouterSettings { WaitForCooldown = TimeSpan.FromSeconds(10) }, Dep("a")).Router;
        Assert.Equal(TimeSpan.FromSeconds(4), router.NextRoundDelay(0, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void NextRoundDelay_ATriedDeploymentUsableNow_BacksOffAsTheUpstreamAsked()
    {
        var router = Build(new RouterSettings(), Dep("a")).Router;
        Assert.Equal(TimeSpan.FromSeconds(3), router.NextRoundDelay(0, null, TimeSpan.FromSeconds(3)));
        Assert.InRange(router.NextRoundDelay(1, null, null)!.Value.TotalMilliseconds, 500, 1000);
    }
}
