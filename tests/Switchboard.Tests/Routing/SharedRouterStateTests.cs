using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

/// <summary>The router's hooks for state shared with other instances (architecture decision 6), with a scripted stand-in for Redis.</summary>
public sealed class SharedRouterStateTests
{
    [Fact]
    public async Task ReportFailure_RateLimited_CooldownAnnounced()
    {
        var (router, time, _) = Build(new RouterSettings { CooldownTime = TimeSpan.FromSeconds(60) }, Dep("a"), Dep("b"));
        var shared = new ScriptedSharedState();
        router.Shared = shared;

        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));

        var (id, until) = Assert.Single(shared.Cooldowns);
        Assert.Equal("a", id);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(60), until);
    }

    [Fact]
    public async Task ReportFailure_KeyDisabled_DisableAnnouncedAndEnableToo()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        var shared = new ScriptedSharedState();
        router.Shared = shared;

        await router.FailAsync("a", Failure(FailureKind.KeyDisabled, 401));
        router.Enable("a", "test");

        Assert.Equal(["a"], shared.DisabledIds);
        Assert.Equal(["a"], shared.EnabledIds);
    }

    [Fact]
    public void ApplySharedCooldown_Later_AppliedAndNotAnnouncedAgain()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"), Dep("b"));
        var shared = new ScriptedSharedState();
        router.Shared = shared;

        router.ApplySharedCooldown("a", time.GetUtcNow() + TimeSpan.FromSeconds(30), FailureKind.RateLimited, "elsewhere");

        Assert.True(router.Status("a").CoolingDown);
        Assert.Empty(shared.Cooldowns);
    }

    [Fact]
    public async Task ApplySharedCooldown_EarlierThanLocal_LocalEndKept()
    {
        var (router, time, _) = Build(new RouterSettings { CooldownTime = TimeSpan.FromSeconds(60) }, Dep("a"), Dep("b"));
        await router.FailAsync("a", Failure(FailureKind.RateLimited, 429));

        router.ApplySharedCooldown("a", time.GetUtcNow() + TimeSpan.FromSeconds(5), FailureKind.RateLimited, "elsewhere");

        Assert.InRange(router.Status("a").CooldownSecondsLeft!.Value, 59, 60);
    }

    [Fact]
    public async Task AcquireAsync_ClusterFull_WaitsUntilASlotIsFreedElsewhere()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a") with { MaxParallelRequests = 1 });
        var shared = new ScriptedSharedState { Free = false };
        router.Shared = shared;

        var waiting = router.AcquireAsync(router.GetGroup("pool")!, Req(), CancellationToken.None).AsTask();
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, router.Snapshot().Groups[0].Queued);
        Assert.Equal(0, router.Status("a").InFlight);

        shared.Free = true;
        router.SharedSlotFreed("a");
        var lease = (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Lease!;
        Assert.Equal(7, lease.SharedSlot);

        lease.Dispose();
        Assert.Equal([7L], shared.Released);
    }

    [Fact]
    public async Task AcquireAsync_LocalOnly_NoSlotAsked()
    {
        var (router, _, _) = Build(new RouterSettings(), Dep("a") with { MaxParallelRequests = 1 });
        var lease = (await router.AcquireAsync()).Lease!;

        Assert.Null(lease.SharedSlot);
        lease.Dispose();
    }

    private sealed class ScriptedSharedState : ISharedRouterState
    {
        public bool Free { get; set; } = true;

        public List<(string Id, DateTimeOffset Until)> Cooldowns { get; } = [];

        public List<string> DisabledIds { get; } = [];

        public List<string> EnabledIds { get; } = [];

        public List<long> Released { get; } = [];

        public bool SharesSlots(Deployment deployment) => deployment.Config.MaxParallelRequests is not null;

        public ValueTask<long?> TryTakeSlotAsync(Deployment deployment, CancellationToken ct) => new(Free ? 7L : null);

        public void ReleaseSlot(Deployment deployment, long token, long tokens) => Released.Add(token);

        public void CooldownStarted(Deployment deployment, DateTimeOffset until, FailureKind kind, string reason) => Cooldowns.Add((deployment.Id, until));

        public void Disabled(Deployment deployment, string reason) => DisabledIds.Add(deployment.Id);

        public void Enabled(Deployment deployment) => EnabledIds.Add(deployment.Id);
    }
}
