using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Cli;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Upstream.UpstreamFaultKit;

namespace Switchboard.IntegrationTests.Admin;

/// <summary>A key taken out by 401/403 comes back without a reload: the admin endpoint, the CLI, the probe (architecture decision 11).</summary>
public sealed class DeploymentEndpointsTests : IAsyncLifetime
{
    private const string Master = "sk-master-deployments-0123456789";
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions(), CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    private Task<TestGateway> StartAsync(RouterSettings router, params DeploymentConfig[] deployments) =>
        TestGateway.StartAsync(new GatewayConfig { ModelList = deployments, Router = router, General = new GeneralSettings { MasterKey = Master } });

    private static HttpRequestMessage WithKey(HttpRequestMessage request, string key)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    private static async Task<bool> DisabledAsync(TestGateway gateway, string id)
    {
        using var request = WithKey(new HttpRequestMessage(HttpMethod.Get, "/router/status"), Master);
        using var response = await gateway.Client.SendAsync(request);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("model_groups").EnumerateArray().SelectMany(g => g.GetProperty("deployments").EnumerateArray())
            .Single(d => d.GetProperty("id").GetString() == id).GetProperty("disabled").GetBoolean();
    }

    /// <summary>Takes the deployment out as a 401 would (its key is fine, so that a probe can bring it back).</summary>
    private static void Disable(TestGateway gateway, string id)
    {
        var group = gateway.Services.Router.Groups.Single(g => g.Deployments.Any(d => d.Id == id));
        lock (group.Gate)
        {
            var d = group.Deployments.Single(d => d.Id == id);
            d.Disabled = true;
            d.DisabledReason = "KeyDisabled: HTTP 401 test";
        }
    }

    [Fact]
    public async Task Enable_KeyDisabledBy401_MasterKeyBringsItBack()
    {
        await using var gateway = await StartAsync(new RouterSettings { RoutingStrategy = "order" },
            Key(_mock, "openai", "auth-1", 1), Key(_mock, "openai", "ok-1", 2));
        using (var call = await gateway.Client.SendAsync(WithKey(Call("openai", stream: false), Master)))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        Assert.True(await DisabledAsync(gateway, "dep-auth-1"));

        using var enable = await gateway.Client.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Post, "/deployment/dep-auth-1/enable"), Master));

        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        var body = JsonDocument.Parse(await enable.Content.ReadAsStringAsync()).RootElement;
        Assert.True(body.GetProperty("was_disabled").GetBoolean());
        Assert.False(await DisabledAsync(gateway, "dep-auth-1"));
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("KEY ENABLED again by admin: deployment dep-auth-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enable_WithoutMasterKey_401AndStillDisabled()
    {
        await using var gateway = await StartAsync(new RouterSettings(), Key(_mock, "openai", "ok-2", 1));
        Disable(gateway, "dep-ok-2");

        using var anonymous = await gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/deployment/dep-ok-2/enable"));
        using var wrong = await gateway.Client.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Post, "/deployment/dep-ok-2/enable"), "sk-not-the-master"));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.True(await DisabledAsync(gateway, "dep-ok-2"));
    }

    [Fact]
    public async Task Enable_UnknownId_404JsonError()
    {
        await using var gateway = await StartAsync(new RouterSettings(), Key(_mock, "openai", "ok-3", 1));

        using var response = await gateway.Client.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Post, "/deployment/nope/enable"), Master));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("deployment_not_found", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Enable_NotDisabled_200NothingChanged()
    {
        await using var gateway = await StartAsync(new RouterSettings(), Key(_mock, "openai", "ok-4", 1));

        using var response = await gateway.Client.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Post, "/deployment/dep-ok-4/enable"), Master));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("was_disabled").GetBoolean());
    }

    [Fact]
    public async Task CliDeploymentsEnable_DisabledKey_EnabledAndSaysSo()
    {
        await using var gateway = await StartAsync(new RouterSettings(), Key(_mock, "openai", "ok-5", 1));
        Disable(gateway, "dep-ok-5");

        var run = await CliRunner.RunAsync("deployments", "enable", "dep-ok-5", "--url", gateway.BaseUrl.ToString(), "--master-key", Master);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("deployment dep-ok-5 enabled", run.Output, StringComparison.Ordinal);
        Assert.False(await DisabledAsync(gateway, "dep-ok-5"));
        using var call = await gateway.Client.SendAsync(WithKey(Call("openai", stream: false), Master));
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
    }

    [Fact]
    public async Task CliDeploymentsEnable_UnknownId_ExitCode1()
    {
        await using var gateway = await StartAsync(new RouterSettings(), Key(_mock, "openai", "ok-6", 1));

        var run = await CliRunner.RunAsync("deployments", "enable", "nope", "--url", gateway.BaseUrl.ToString(), "--master-key", Master);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("404", run.Errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task Probe_DisabledKeyAcceptedAgain_EnabledWhileRejectedKeyStaysOut(string provider)
    {
        await using var gateway = await StartAsync(new RouterSettings { RoutingStrategy = "order", DisabledProbeInterval = TimeSpan.FromMilliseconds(200) },
            Key(_mock, provider, "auth-7", 1), Key(_mock, provider, "ok-7", 2));
        using (var call = await gateway.Client.SendAsync(WithKey(Call("openai", stream: false), Master)))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        Disable(gateway, "dep-ok-7");
        Assert.True(await DisabledAsync(gateway, "dep-auth-7"));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await DisabledAsync(gateway, "dep-ok-7") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(await DisabledAsync(gateway, "dep-ok-7"));
        Assert.True(await DisabledAsync(gateway, "dep-auth-7"));
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("KEY ENABLED again by probe: deployment dep-ok-7", StringComparison.Ordinal));
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("Probe of disabled deployment dep-auth-7", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Probe_Off_DisabledKeyStaysOut()
    {
        await using var gateway = await StartAsync(new RouterSettings(), Key(_mock, "openai", "ok-8", 1));
        Disable(gateway, "dep-ok-8");

        await Task.Delay(500);

        Assert.Null(gateway.Services.Probe);
        Assert.True(await DisabledAsync(gateway, "dep-ok-8"));
    }
}
