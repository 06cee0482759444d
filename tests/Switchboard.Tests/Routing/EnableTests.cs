using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

/// <summary>A key disabled by 401/403 comes back when an admin or the probe enables it.</summary>
public sealed class EnableTests
{
    [Fact]
    public async Task Enable_DisabledKey_PickedAgainWithFreshHealth()
    {
        var (router, _, log) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        await router.FailAsync("a", Failure(FailureKind.KeyDisabled, 401));
        Assert.True(router.Status("a").Disabled);

        var result = router.Enable("a", "admin");

        Assert.Equal(EnableResult.Enabled, result);
        var status = router.Status("a");
        Assert.False(status.Disabled);
        Assert.Null(status.DisabledReason);
        Assert.False(status.CoolingDown);
        var picks = await router.CountPicksAsync(20);
        Assert.True(picks.GetValueOrDefault("a") > 0);
        Assert.Contains(log.Entries, e => e.Message.Contains("KEY ENABLED again by admin: deployment a", StringComparison.Ordinal));
    }

    [Fact]
    public void Enable_NotDisabled_WasEnabled()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a"));

        Assert.Equal(EnableResult.WasEnabled, router.Enable("a", "admin"));
    }

    [Fact]
    public void Enable_UnknownId_NotFound()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a"));

        Assert.Equal(EnableResult.NotFound, router.Enable("zzz", "admin"));
    }

    [Fact]
    public async Task DisabledDeployments_OneDisabled_ListsOnlyIt()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        await router.FailAsync("b", Failure(FailureKind.KeyDisabled, 403));

        Assert.Equal(["b"], router.DisabledDeployments().Select(d => d.Id));
    }

    [Fact]
    public async Task ProbeOnce_AcceptedAndRejected_EnablesOnlyTheAccepted()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        await router.FailAsync("a", Failure(FailureKind.KeyDisabled, 401));
        await router.FailAsync("b", Failure(FailureKind.KeyDisabled, 401));
        using var probe = new DisabledKeyProbe(router, TimeSpan.FromHours(1), time,
            (d, _) => Task.FromResult(d.Id == "a" ? null : "HTTP 401 KeyDisabled: still bad"));

        await probe.ProbeOnceAsync(CancellationToken.None);

        Assert.False(router.Status("a").Disabled);
        Assert.True(router.Status("b").Disabled);
    }

    [Fact]
    public async Task Probe_IntervalElapses_ProbesOnTheFakeClock()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));
        await router.FailAsync("a", Failure(FailureKind.KeyDisabled, 401));
        var probed = new TaskCompletionSource();
        using var probe = new DisabledKeyProbe(router, TimeSpan.FromMinutes(5), time, (_, _) =>
        {
            probed.TrySetResult();
            return Task.FromResult<string?>(null);
        });

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.False(probed.Task.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(1));
        await probed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (router.Status("a").Disabled && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.False(router.Status("a").Disabled);
    }
}
