using System.Text;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

public sealed class RouterStatusTests
{
    private static async Task<Router> BusyRouterAsync()
    {
        var (router, time, _) = Build(new RouterSettings { AdaptiveLimits = false }, Dep("a") with { MaxParallelRequests = 4 }, Dep("b"));
        await router.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(40), 1000, 200, null));
        await router.SucceedAsync("a", new AttemptOutcome(TimeSpan.FromMilliseconds(300), null, 500, 100, null));
        await router.FailAsync("b", Failure(FailureKind.RateLimited, 429, message: "slow down, key sk-secret-b-0123456789"));
        await router.FailAsync("a", Failure(FailureKind.Retryable, 502));
        time.Advance(TimeSpan.FromSeconds(10));
        return router;
    }

    [Fact]
    public async Task Snapshot_AfterCalls_CountsPerDeployment()
    {
        var router = await BusyRouterAsync();
        var held = (await router.AcquireAsync()).Lease!;
        var a = router.Status("a");
        var b = router.Status("b");
        Assert.Equal(4, a.Total.Requests); // 2 ok, 1 failed, 1 in flight
        Assert.Equal(2, a.Total.Successes);
        Assert.Equal(1, a.Total.FailuresByKind[FailureKind.Retryable]);
        Assert.Equal(1, a.InFlight);
        Assert.Equal(1500, a.Total.TokensIn);
        Assert.Equal(300, a.Total.TokensOut);
        Assert.Equal(100, a.LatencyP50Ms);
        Assert.Equal(300, a.LatencyP95Ms);
        Assert.Equal(40, a.TtftP50Ms);
        Assert.Equal(4, a.CurrentMinute.Requests);
        Assert.Equal(1, b.Total.Status429);
        Assert.True(b.CoolingDown);
        Assert.Equal(50, b.CooldownSecondsLeft);
        Assert.DoesNotContain("sk-secret", b.LastError);
        Assert.Contains("…6789", b.LastError);
        Assert.Equal("sk-…6789", b.MaskedKey);
        held.Dispose();
    }

    [Fact]
    public async Task Snapshot_NextMinute_CurrentMinuteCountersReset()
    {
        var (router, time, _) = Build(new RouterSettings(), Dep("a"));
        await router.PickAsync();
        time.Advance(TimeSpan.FromMinutes(1));
        var a = router.Status("a");
        Assert.Equal(0, a.CurrentMinute.Requests);
        Assert.Equal(1, a.Total.Requests);
    }

    [Fact]
    public async Task RouterStatusJson_WriteThenRead_RoundTrips()
    {
        var router = await BusyRouterAsync();
        var status = router.Snapshot();
        var json = Write(w => RouterStatusJson.Write(w, status));
        Assert.DoesNotContain("sk-secret", json);
        var back = RouterStatusJson.Read(Encoding.UTF8.GetBytes(json));
        Assert.Equal(RouterStatusTable.Format(status), RouterStatusTable.Format(back));
        Assert.Equal(status.Groups[0].Deployments[0].Total.FailuresByKind, back.Groups[0].Deployments[0].Total.FailuresByKind);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(1, doc.RootElement.GetProperty("model_groups")[0].GetProperty("deployments")[0]
            .GetProperty("total").GetProperty("failures_by_kind").GetProperty("retryable").GetInt32());
    }

    [Fact]
    public async Task RouterStatusTable_Format_OneRowPerDeploymentWithState()
    {
        var router = await BusyRouterAsync();
        var table = RouterStatusTable.Format(router.Snapshot());
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // title, header, a, b
        Assert.Contains("cooling 50s", lines[3]);
        Assert.StartsWith("pool", lines[2]);
        Assert.DoesNotContain("sk-secret", table);
    }

    [Fact]
    public void ModelInfoJson_Write_LiteLlmShapeWithoutKeys()
    {
        var router = Build(new RouterSettings(), Dep("a") with { Rpm = 10 }, Dep("b", "other")).Router;
        var json = Write(w => ModelInfoJson.Write(w, router));
        Assert.DoesNotContain("sk-secret", json);
        using var doc = JsonDocument.Parse(json);
        var data = doc.RootElement.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal("pool", data[0].GetProperty("model_name").GetString());
        Assert.Equal("openai/glm-4.6", data[0].GetProperty("litellm_params").GetProperty("model").GetString());
        Assert.Equal("http://127.0.0.1:9/v1", data[0].GetProperty("litellm_params").GetProperty("api_base").GetString());
        Assert.Equal("a", data[0].GetProperty("model_info").GetProperty("id").GetString());
        Assert.Equal("other", data[1].GetProperty("model_name").GetString());
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
