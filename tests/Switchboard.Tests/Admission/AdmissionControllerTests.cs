using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Admission;
using Switchboard.Auth;
using Switchboard.Storage;
using Switchboard.Tests.Storage;

namespace Switchboard.Tests.Admission;

public sealed class AdmissionControllerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private TempSqliteStore _temp = null!;
    private AdmissionController _admission = null!;

    public async Task InitializeAsync()
    {
        _temp = await TempSqliteStore.CreateAsync();
        _admission = new AdmissionController(_temp.Store, _time, NullLogger<AdmissionController>.Instance);
    }

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    private static Caller Key(Func<VirtualKeyRecord, VirtualKeyRecord>? change = null)
    {
        var record = new VirtualKeyRecord { KeyHash = "h1", KeyAlias = "team-a", KeyPreview = "sk-...abcd", CreatedAt = T0, UpdatedAt = T0 };
        record = change?.Invoke(record) ?? record;
        return new Caller { Kind = CallerKind.VirtualKey, KeyHash = record.KeyHash, Key = record };
    }

    private ValueTask<AdmissionResult> Admit(Caller caller, string group = "glm-pool", double minimumCost = 0, long estimatedTokens = 0) =>
        _admission.AdmitAsync(caller, group, CancellationToken.None, minimumCost, estimatedTokens);

    [Fact]
    public async Task AdmitAsync_OpenAndMasterCallers_AreNeverLimited()
    {
        Assert.True((await Admit(Caller.Anonymous)).Allowed);
        Assert.True((await Admit(new Caller { Kind = CallerKind.Master, KeyHash = "m" })).Allowed);
    }

    [Fact]
    public async Task AdmitAsync_Blocked_Is403()
    {
        var result = await Admit(Key(k => k with { Blocked = true }));
        Assert.Equal((AdmissionRefusal.Blocked, 403, "key_blocked"), (result.Refusal, result.StatusCode, result.ErrorCode));
        Assert.Contains("blocked", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdmitAsync_Expired_Is401AndNamesExpiry()
    {
        var caller = Key(k => k with { ExpiresAt = T0.AddHours(1) });
        Assert.True((await Admit(caller)).Allowed);
        _time.Advance(TimeSpan.FromHours(1));
        var result = await Admit(caller);
        Assert.Equal((AdmissionRefusal.Expired, 401), (result.Refusal, result.StatusCode));
        Assert.Contains("2026-11-20T11:00:00Z", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gpt-4o", false)]
    [InlineData("glm-pool", true)]
    [InlineData("claude-sonnet", true)]
    public async Task AdmitAsync_ModelNotInList_Is403(string group, bool allowed)
    {
        var result = await Admit(Key(k => k with { Models = ["glm-pool", "claude-*"] }), group);
        Assert.Equal(allowed, result.Allowed);
        if (!allowed)
        {
            Assert.Equal((AdmissionRefusal.ModelNotAllowed, 403), (result.Refusal, result.StatusCode));
            Assert.Contains("gpt-4o", result.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("*")]
    [InlineData("all-proxy-models")]
    public void IsModelAllowed_Wildcards_AllowEverything(string entry) => Assert.True(AdmissionController.IsModelAllowed([entry], "any"));

    [Fact]
    public async Task AdmitAsync_RpmLimit_Refuses429UntilOldestLeavesWindow()
    {
        var caller = Key(k => k with { RpmLimit = 2 });
        (await Admit(caller)).Lease!.Dispose();
        _time.Advance(TimeSpan.FromSeconds(20));
        (await Admit(caller)).Lease!.Dispose();
        var refused = await Admit(caller);
        Assert.Equal((AdmissionRefusal.RpmLimit, 429, TimeSpan.FromSeconds(40), "40"),
            (refused.Refusal, refused.StatusCode, refused.RetryAfter, refused.RetryAfterHeader));
        Assert.Contains("rpm_limit 2", refused.Message, StringComparison.Ordinal);
        _time.Advance(TimeSpan.FromSeconds(40));
        Assert.True((await Admit(caller)).Allowed);
    }

    [Fact]
    public async Task AdmitAsync_TpmLimit_CountsCompletedTokensOverSlidingMinute()
    {
        var caller = Key(k => k with { TpmLimit = 1000 });
        var first = await Admit(caller);
        _admission.Complete(first.Lease!, 600, 0);
        _time.Advance(TimeSpan.FromSeconds(30));
        var second = await Admit(caller);
        _admission.Complete(second.Lease!, 500, 0);
        var refused = await Admit(caller);
        Assert.Equal((AdmissionRefusal.TpmLimit, 429, TimeSpan.FromSeconds(30)), (refused.Refusal, refused.StatusCode, refused.RetryAfter));
        Assert.Contains("tpm_limit 1000", refused.Message, StringComparison.Ordinal);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True((await Admit(caller)).Allowed);
        Assert.False((await Admit(caller, estimatedTokens: 600)).Allowed);
    }

    [Fact]
    public async Task AdmitAsync_ParallelLimit_RefusesUntilLeaseDisposed()
    {
        var caller = Key(k => k with { MaxParallelRequests = 1 });
        var first = await Admit(caller);
        var refused = await Admit(caller);
        Assert.Equal((AdmissionRefusal.ParallelLimit, 429, "1"), (refused.Refusal, refused.StatusCode, refused.RetryAfterHeader));
        first.Lease!.Dispose();
        first.Lease.Dispose(); // idempotent: must not free a second slot
        var second = await Admit(caller);
        Assert.True(second.Allowed);
        Assert.False((await Admit(caller)).Allowed);
    }

    [Fact]
    public async Task AdmitAsync_BudgetSpent_Is400AtOnceWithoutWaitingForTheStore()
    {
        var caller = Key(k => k with { MaxBudget = 1.0 });
        var lease = (await Admit(caller)).Lease!;
        _admission.Complete(lease, 100, 0.6);
        _admission.Complete(lease, 100, 5); // a second Complete on one lease is ignored
        Assert.True((await Admit(caller)).Allowed);
        Assert.False((await Admit(caller, minimumCost: 0.5)).Allowed);
        _admission.Complete((await Admit(caller)).Lease!, 100, 0.4);
        var refused = await Admit(caller);
        Assert.Equal((AdmissionRefusal.BudgetExceeded, 400), (refused.Refusal, refused.StatusCode));
        Assert.Contains("max_budget $1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("does not reset", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1.0, _admission.GetSpend("h1")!.Value, 9);
    }

    [Fact]
    public async Task AdmitAsync_BudgetDurationOver_ResetsSpendAndWritesResetToStore()
    {
        await _temp.Store.InsertKeyAsync(Key().Key! with { MaxBudget = 1, BudgetDuration = "30d", BudgetResetAt = T0.AddDays(30) },
            CancellationToken.None);
        await _temp.Store.AddSpendAsync("h1", 1, CancellationToken.None);
        var caller = Key(k => k with { MaxBudget = 1, BudgetDuration = "30d", BudgetResetAt = T0.AddDays(30), Spend = 1 });

        var refused = await Admit(caller);
        Assert.Equal(AdmissionRefusal.BudgetExceeded, refused.Refusal);
        Assert.Contains("2026-12-20T10:00:00Z", refused.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromDays(30), refused.RetryAfter);

        _time.Advance(TimeSpan.FromDays(30));
        Assert.True((await Admit(caller)).Allowed);
        Assert.Equal(0, _admission.GetSpend("h1"));
        var stored = await _temp.Store.GetKeyByHashAsync("h1", CancellationToken.None);
        Assert.Equal((0.0, T0.AddDays(60)), (stored!.Spend, stored.BudgetResetAt));
    }

    [Fact]
    public async Task MoveKey_Regenerated_KeepsSpend()
    {
        var caller = Key(k => k with { MaxBudget = 1 });
        _admission.Complete((await Admit(caller)).Lease!, 1, 1);
        _admission.MoveKey("h1", "h2");
        Assert.Null(_admission.GetSpend("h1"));
        Assert.Equal(1, _admission.GetSpend("h2"));
    }
}
