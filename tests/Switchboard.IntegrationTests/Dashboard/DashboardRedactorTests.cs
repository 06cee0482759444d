using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Dashboard;

/// <summary>
/// Keys that arrive after the start (a config reload, <c>/model/new</c>) are masked in the dashboard's data, in
/// <c>/router/status</c> and in logs as the start's keys are: the redactor is read per request, not captured at start.
/// Each key is also put into its deployment's id, which both pages show, so that only the redactor stands between it and
/// the page.
/// </summary>
public sealed class DashboardRedactorTests : IAsyncLifetime, IDisposable
{
    private const string Master = "sk-master-redactor-0123456789";
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-redactor-").FullName;
    private MockProviderServer _mock = null!;

    private string ConfigPath => Path.Combine(_dir, "litellm-config.yaml");

    public async Task InitializeAsync() => _mock = await MockProviderServer.StartAsync(new MockProviderOptions(), CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task PoolsAndRouterStatus_KeyAddedByModelNew_Masked()
    {
        const string Added = "ok-added-by-model-new-7f3a9c51";
        await File.WriteAllTextAsync(ConfigPath, Yaml(("file-1", "ok-file-key-1")));
        await using var gateway = await TestGateway.StartAsync(ConfigLoader.LoadOrThrow(ConfigPath));

        var body = $$$"""{"model_name":"pool","litellm_params":{"model":"openai/glm-4.6","api_base":"{{{Base}}}","api_key":"{{{Added}}}"},"model_info":{"id":"id-{{{Added}}}"}}""";
        using (var created = await SendAsync(gateway, HttpMethod.Post, "/model/new", body))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        await AssertNeverShownAsync(gateway, Added);
    }

    [Fact]
    public async Task PoolsAndRouterStatus_KeyAddedByReload_Masked()
    {
        const string Added = "ok-added-by-reload-2c8e0d47";
        await File.WriteAllTextAsync(ConfigPath, Yaml(("file-1", "ok-file-key-1")));
        await using var gateway = await TestGateway.StartAsync(ConfigLoader.LoadOrThrow(ConfigPath));

        await File.WriteAllTextAsync(ConfigPath, Yaml(("file-1", "ok-file-key-1"), ("id-" + Added, Added)));
        using (var reload = await SendAsync(gateway, HttpMethod.Post, "/config/reload", null))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        await AssertNeverShownAsync(gateway, Added);
    }

    [Fact]
    public async Task Logs_KeysAddedByReloadAndModelNew_OnlyMasked()
    {
        const string Reloaded = "auth-added-by-reload-5b1f93aa";
        const string Stored = "auth-added-by-model-new-0e44c2d1";
        await File.WriteAllTextAsync(ConfigPath, Yaml(("file-1", "ok-file-key-1")));
        await using var gateway = await TestGateway.StartAsync(ConfigLoader.LoadOrThrow(ConfigPath));
        await File.WriteAllTextAsync(ConfigPath, Yaml(("file-1", "ok-file-key-1"), ("reloaded-1", Reloaded)));
        using (var reload = await SendAsync(gateway, HttpMethod.Post, "/config/reload", null))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        var body = $$$"""{"model_name":"pool","litellm_params":{"model":"openai/glm-4.6","api_base":"{{{Base}}}","api_key":"{{{Stored}}}"},"model_info":{"id":"stored-1"}}""";
        using (var created = await SendAsync(gateway, HttpMethod.Post, "/model/new", body))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        // The two new keys are refused by the mock (401): each is taken out with one loud log line naming it masked.
        for (var i = 0; i < 6; i++)
        {
            using var call = await SendAsync(gateway, HttpMethod.Post, "/v1/chat/completions", """{"model":"pool","messages":[{"role":"user","content":"hi"}]}""");
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        Assert.Equal(1, _mock.Stats[Reloaded].Calls);
        Assert.Equal(1, _mock.Stats[Stored].Calls);
        var lines = gateway.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("reloaded-1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("stored-1", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(Reloaded, StringComparison.Ordinal) || l.Contains(Stored, StringComparison.Ordinal));
        await AssertNeverShownAsync(gateway, Reloaded);
        await AssertNeverShownAsync(gateway, Stored);
    }

    private string Base => _mock.BaseUrl.ToString().TrimEnd('/') + "/v1";

    private string Yaml(params (string Id, string Key)[] deployments)
    {
        var text = new StringBuilder("model_list:\n");
        foreach (var (id, key) in deployments)
        {
            text.Append("  - model_name: pool\n    litellm_params:\n      model: openai/glm-4.6\n")
                .Append("      api_base: ").Append(Base).Append('\n')
                .Append("      api_key: ").Append(key).Append('\n')
                .Append("    model_info:\n      id: ").Append(id).Append('\n');
        }

        text.Append("router_settings:\n  routing_strategy: round-robin\n  num_retries: 3\n");
        text.Append("general_settings:\n  master_key: ").Append(Master).Append("\n  store_model_in_db: true\n");
        return text.ToString();
    }

    private static async Task<HttpResponseMessage> SendAsync(TestGateway gateway, HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await gateway.Client.SendAsync(request);
    }

    private static async Task AssertNeverShownAsync(TestGateway gateway, string key)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = gateway.BaseUrl };
        using var login = await client.PostAsJsonAsync("/ui/api/login", new { master_key = Master });
        Assert.Equal(HttpStatusCode.NoContent, login.StatusCode);
        var cookie = login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        using var pools = new HttpRequestMessage(HttpMethod.Get, "/ui/api/pools");
        pools.Headers.Add("Cookie", cookie);
        pools.Headers.Add("X-Switchboard-UI", "1");
        using var poolsAnswer = await client.SendAsync(pools);
        var poolsText = await poolsAnswer.Content.ReadAsStringAsync();
        using var statusAnswer = await SendAsync(gateway, HttpMethod.Get, "/router/status", null);
        var statusText = await statusAnswer.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, poolsAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, statusAnswer.StatusCode);
        Assert.Contains("file-1", poolsText, StringComparison.Ordinal);
        Assert.Contains("file-1", statusText, StringComparison.Ordinal);
        Assert.DoesNotContain(key, poolsText, StringComparison.Ordinal);
        Assert.DoesNotContain(key, statusText, StringComparison.Ordinal);
    }
}
