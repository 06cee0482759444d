using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Api;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Api;

public sealed class RefusalWarmUpTests
{
    /// <summary>
    /// The refusal path's warm-up (issue 12: a fresh gateway's first 429) runs after the gateway listens and leaves no
    /// trace: no log line, no group or state in the real router, no metrics, no usage row; the gateway then serves as usual.
    /// </summary>
    [Fact]
    public async Task Start_FreshGateway_WarmsUpWithoutATraceAndTheGatewayServes()
    {
        await using var gateway = await TestGateway.StartAsync(Configs.Of(Configs.Mock("glm-pool", "dep-a")), warmUpRefusals: true);
        var warmUp = gateway.App.Services.GetRequiredService<RefusalWarmUp>();
        // Started by the host once it listens; bounded by the warm-up's own 10-s limit.
        var finished = await warmUp.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(finished, "the warm-up did not run to its end");

        // Its private router's refusals and cooldowns went to no logger of the gateway.
        Assert.DoesNotContain(gateway.Logs.Lines, line => line.Contains(RefusalWarmUp.GroupName, StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Logs.Lines, line => line.Contains("warm-up", StringComparison.OrdinalIgnoreCase));

        // The real router: only its own group, untouched.
        var router = gateway.Services.Router;
        Assert.Equal(["glm-pool"], router.Groups.Select(g => g.Name));
        Assert.Null(router.ResolveGroup(RefusalWarmUp.GroupName));
        var status = Assert.Single(Assert.Single(router.Snapshot().Groups).Deployments);
        Assert.Equal(("dep-a", 0L, 0, false, null, null, 0), (status.Id, status.Refusals, status.WindowUsed, status.CoolingDown, status.LastError,
            status.LearnedRequests, status.InFlight));
        Assert.Equal(0, status.Total.Requests);

        // No metrics: nothing counted, nothing named after the private group.
        var metrics = await gateway.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain(RefusalWarmUp.GroupName, metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("litellm_deployment_cooled_down_total{", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("litellm_requests_metric_total{", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("litellm_proxy_failed_requests_metric_total{", metrics, StringComparison.Ordinal);

        // The gateway serves; its one call is the only usage row (OneUsageRowAsync fails on more than one).
        using var content = new StringContent("""{"model":"glm-pool","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");
        using var response = await gateway.Client.PostAsync("/v1/chat/completions", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = await gateway.OneUsageRowAsync();
        Assert.Equal("glm-pool", row.ModelGroup);
    }

    /// <summary>A gateway built inside another process (tests, the in-process benches) runs JIT code, where the warm-up would
    /// JIT-compile all it runs beside its first calls: it warms up only when asked (<c>switchboard serve</c> asks).</summary>
    [Fact]
    public async Task Start_NotAsked_DoesNotWarmUp()
    {
        await using var gateway = await TestGateway.StartAsync(Configs.Of(Configs.Mock("glm-pool", "dep-a")));
        Assert.False(await gateway.App.Services.GetRequiredService<RefusalWarmUp>().Completion);
    }
}
