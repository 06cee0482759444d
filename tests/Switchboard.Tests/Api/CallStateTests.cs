using System.Reflection;
using Switchboard.Api;
using Switchboard.Auth;
using Switchboard.Config;
using Switchboard.Protocols;
using Switchboard.Routing;

namespace Switchboard.Tests.Api;

/// <summary>
/// The pooled call state: a reused state starts exactly like a new one (every property, whatever the call before it left),
/// and only a rented state goes back to the pool. A test method runs on one thread, and the pool is per thread.
/// </summary>
public sealed class CallStateTests
{
    [Fact]
    public void Rent_AfterReturn_ReusesTheObjectOnThisThread()
    {
        var first = Rent("call-1");
        first.Return();

        var second = Rent("call-2");

        Assert.Same(first, second);
        Assert.Equal("call-2", second.CallId);
        second.Return();
    }

    [Fact]
    public void Return_EveryPropertySetByTheCallBefore_ReusedStateCarriesNothingOver()
    {
        var used = Rent("call-1", session: "session-1", caller: new Caller { Kind = CallerKind.VirtualKey, KeyHash = "hash-1" }, spend: 12.5);
        Dirty(used);
        used.Return();

        var reused = Rent("call-2");
        var fresh = new CallState { CallId = "call-2", RequestedModel = "group-2", StartTimestamp = 42 };

        Assert.Same(used, reused);
        // Every public property, so that a property added later without a line in Return fails here.
        foreach (var property in typeof(CallState).GetProperties(BindingFlags.Instance | BindingFlags.Public))
        {
            if (property.Name == nameof(CallState.Delivered))
            {
                continue; // made on first use: compared below without making it
            }

            Assert.True(Equals(property.GetValue(fresh), property.GetValue(reused)), $"{property.Name} carried over: {property.GetValue(reused)}");
        }

        Assert.False(reused.DeliveredComplete);
        Assert.Equal(0, reused.Delivered.TextBytes);
        reused.Return();
    }

    [Fact]
    public void Return_StateMadeWithNew_IsNotPooledOrCleared()
    {
        var made = new CallState { CallId = "made", RequestedModel = "group", StartTimestamp = 1, Retries = 2 };

        made.Return();
        var rented = Rent("call-1");

        Assert.NotSame(made, rented);
        Assert.Equal("made", made.CallId);
        Assert.Equal(2, made.Retries);
        rented.Return();
    }

    [Fact]
    public void Return_Twice_PoolsTheStateOnce()
    {
        var state = Rent("call-1");
        state.Return();
        state.Return();

        var first = Rent("call-2");
        var second = Rent("call-3");

        Assert.Same(state, first);
        Assert.NotSame(first, second);
        Assert.Equal("call-2", first.CallId);
        first.Return();
        second.Return();
    }

    private static CallState Rent(string callId, string? session = null, Caller? caller = null, double? spend = null) =>
        CallState.Rent(callId, callId == "call-2" ? "group-2" : "group", callId == "call-2" ? 42 : 7, session, caller ?? Caller.Anonymous,
            estimatedInputTokens: callId == "call-2" ? 0 : 99, keySpendBefore: spend);

    private static void Dirty(CallState call)
    {
        call.Secrets = new Switchboard.Observability.SecretRedactor(["sk-upstream-secret-0001"]);
        call.MaxSseEventBytes = 17;
        call.UpstreamTime = TimeSpan.FromSeconds(3);
        call.Retries = 2;
        call.QueueTime = TimeSpan.FromSeconds(1);
        call.FallbackTried = true;
        call.ServedBy = new Deployment(new DeploymentConfig
        {
            Index = 0,
            ModelName = "group",
            Id = "d-1",
            Provider = "openai",
            UpstreamModel = "up-model",
            ApiBase = "http://127.0.0.1:1",
        }, "group", 0);
        call.CacheHit = true;
        call.ServedGroup = "group";
        call.Usage = new TokenUsage(10, 20, 0, Estimated: false);
        call.Delivered.ReportUsage(new TokenUsage(10, 20, 0, Estimated: false));
        call.TimeToFirstToken = TimeSpan.FromMilliseconds(5);
        call.ErrorClass = "stream_error";
    }
}
