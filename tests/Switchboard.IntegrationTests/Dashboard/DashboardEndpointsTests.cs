using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Upstream.UpstreamFaultKit;

namespace Switchboard.IntegrationTests.Dashboard;

/// <summary>The dashboard's HTTP side: assets, login to a session cookie, its JSON, key management through the admin endpoints.</summary>
public sealed class DashboardEndpointsTests : IAsyncLifetime
{
    private const string Master = "sk-master-dashboard-0123456789";
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions(), CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    private Task<TestGateway> StartAsync(string? masterKey = Master) =>
        TestGateway.StartAsync(new GatewayConfig
        {
            ModelList = [Key(_mock, "openai", "rl-dash-1", 1), Key(_mock, "openai", "ok-dash-2", 2)],
            Router = new RouterSettings { RoutingStrategy = "order" },
            General = new GeneralSettings { MasterKey = masterKey },
        });

    /// <summary>A client without a cookie container: cookies are sent by hand, as the tests want them.</summary>
    private static HttpClient Client(TestGateway gateway) =>
        new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = gateway.BaseUrl };

    private static async Task<string> LoginAsync(HttpClient client, string key = Master)
    {
        using var response = await client.PostAsJsonAsync("/ui/api/login", new { master_key = key });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        return cookie.Split(';')[0];
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? cookie, object? body = null, bool uiHeader = true)
    {
        var request = new HttpRequestMessage(method, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        if (uiHeader)
        {
            request.Headers.Add("X-Switchboard-UI", "1");
        }

        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        return request;
    }

    [Fact]
    public async Task Assets_Served_FromTheBinaryWithAStrictContentPolicy()
    {
        await using var gateway = await StartAsync();
        using var client = Client(gateway);

        using var redirect = await client.GetAsync("/ui");
        using var index = await client.GetAsync("/ui/");
        using var script = await client.GetAsync("/ui/app.js");

        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/ui/", redirect.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script src=\"app.js\"></script>", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", index.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        // Nothing from elsewhere: the only absolute URL in the script is SVG's namespace name, which is never fetched.
        var code = (await script.Content.ReadAsStringAsync()).Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal);
        Assert.DoesNotContain("http://", code, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", code, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_MasterKey_SetsAnOpaqueHttpOnlyStrictSessionCookie()
    {
        await using var gateway = await StartAsync();
        using var client = Client(gateway);

        using var wrong = await client.PostAsJsonAsync("/ui/api/login", new { master_key = "sk-not-the-master-key-000" });
        using var right = await client.PostAsJsonAsync("/ui/api/login", new { master_key = Master });

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        var cookie = Assert.Single(right.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("switchboard_session=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/ui", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Master, cookie, StringComparison.Ordinal);
        Assert.True(cookie.Split(';')[0].Length > "switchboard_session=".Length + 40);
    }

    [Fact]
    public async Task Pools_WithoutSession401_WithSessionLiveStatusWithoutKeys()
    {
        await using var gateway = await StartAsync();
        using var client = Client(gateway);
        using (var call = await gateway.Client.SendAsync(WithMaster(Call("openai", stream: false))))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        using var anonymous = await client.SendAsync(Request(HttpMethod.Get, "/ui/api/pools", null));
        using var bearer = await client.SendAsync(WithMaster(Request(HttpMethod.Get, "/ui/api/pools", null)));
        var cookie = await LoginAsync(client);
        using var pools = await client.SendAsync(Request(HttpMethod.Get, "/ui/api/pools", cookie));
        var body = await pools.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, pools.StatusCode);
        var rl = JsonDocument.Parse(body).RootElement.GetProperty("model_groups")[0].GetProperty("deployments").EnumerateArray()
            .Single(d => d.GetProperty("id").GetString() == "dep-rl-dash-1");
        Assert.True(rl.GetProperty("cooling_down").GetBoolean());
        Assert.True(rl.GetProperty("cooldown_seconds_left").GetDouble() > 0);
        Assert.NotEqual("rl-dash-1", rl.GetProperty("key").GetString());
        Assert.DoesNotContain("\"ok-dash-2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"rl-dash-1", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminKeys_Session_CreatesUsesAndRevokesAKey()
    {
        await using var gateway = await StartAsync();
        using var client = Client(gateway);
        var cookie = await LoginAsync(client);

        using var noHeader = await client.SendAsync(Request(HttpMethod.Post, "/ui/api/admin/key/generate", cookie, new { key_alias = "x" }, uiHeader: false));
        using var noCookie = await client.SendAsync(Request(HttpMethod.Post, "/ui/api/admin/key/generate", null, new { key_alias = "x" }));
        using var created = await client.SendAsync(Request(HttpMethod.Post, "/ui/api/admin/key/generate", cookie, new { key_alias = "dash-team" }));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var raw = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
        using var call = await gateway.Client.SendAsync(WithKey(Call("openai", stream: false), raw));
        using var list = await client.SendAsync(Request(HttpMethod.Get, "/ui/api/admin/key/list?return_full_object=true", cookie));
        var listed = await list.Content.ReadAsStringAsync();
        using var revoke = await client.SendAsync(Request(HttpMethod.Post, "/ui/api/admin/key/delete", cookie, new { keys = new[] { raw } }));
        using var afterRevoke = await gateway.Client.SendAsync(WithKey(Call("openai", stream: false), raw));
        using var outside = await client.SendAsync(Request(HttpMethod.Get, "/ui/api/admin/router/status", cookie));

        Assert.Equal(HttpStatusCode.Forbidden, noHeader.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noCookie.StatusCode);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Contains("\"key_alias\":\"dash-team\"", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(raw, listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
    }

    [Fact]
    public async Task UsageAndRequests_AfterACallWithAKey_ShowItByAlias()
    {
        await using var gateway = await StartAsync();
        using var client = Client(gateway);
        var cookie = await LoginAsync(client);
        using var created = await client.SendAsync(Request(HttpMethod.Post, "/ui/api/admin/key/generate", cookie, new { key_alias = "usage-team" }));
        var raw = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
        using (var call = await gateway.Client.SendAsync(WithKey(Call("openai", stream: false), raw)))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        // The usage writer flushes in batches: poll until the call is stored.
        JsonElement requests = default;
        for (var i = 0; i < 100; i++)
        {
            using var response = await client.SendAsync(Request(HttpMethod.Get, "/ui/api/requests?key=usage-team", cookie));
            requests = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("requests");
            if (requests.GetArrayLength() > 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        using var usage = await client.SendAsync(Request(HttpMethod.Get, "/ui/api/usage?range=hour", cookie));
        var body = await usage.Content.ReadAsStringAsync();
        var root = JsonDocument.Parse(body).RootElement;

        var row = Assert.Single(requests.EnumerateArray());
        Assert.Equal("usage-team", row.GetProperty("key").GetString());
        Assert.Equal(200, row.GetProperty("status").GetInt32());
        Assert.Equal("dep-ok-dash-2", row.GetProperty("deployment").GetString());
        Assert.Equal(1, row.GetProperty("retries").GetInt32());
        var byKey = root.GetProperty("by_key").EnumerateArray().Single(k => k.GetProperty("name").GetString() == "usage-team");
        Assert.Equal(1, byKey.GetProperty("requests").GetInt64());
        Assert.Equal(1, root.GetProperty("series").EnumerateArray().Sum(b => b.GetProperty("requests").GetInt64()));
        Assert.Contains(root.GetProperty("by_deployment").EnumerateArray(), d => d.GetProperty("name").GetString() == "dep-ok-dash-2");
        Assert.DoesNotContain(raw, body, StringComparison.Ordinal);
        Assert.DoesNotContain(raw[3..], body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_Session_EndsIt()
    {
        await using var gateway = await StartAsync();
        using var client = Client(gateway);
        var cookie = await LoginAsync(client);

        using var before = await client.SendAsync(Request(HttpMethod.Get, "/ui/api/usage", cookie));
        using var logout = await client.SendAsync(Request(HttpMethod.Post, "/ui/api/logout", cookie));
        using var after = await client.SendAsync(Request(HttpMethod.Get, "/ui/api/usage", cookie));

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task OpenMode_Loopback_NeedsNoLogin()
    {
        await using var gateway = await StartAsync(masterKey: null);
        using var client = Client(gateway);

        using var session = await client.GetAsync("/ui/api/session");
        using var pools = await client.GetAsync("/ui/api/pools");

        var state = JsonDocument.Parse(await session.Content.ReadAsStringAsync()).RootElement;
        Assert.True(state.GetProperty("open_mode").GetBoolean());
        Assert.True(state.GetProperty("logged_in").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, pools.StatusCode);
    }

    private static HttpRequestMessage WithMaster(HttpRequestMessage request) => WithKey(request, Master);

    private static HttpRequestMessage WithKey(HttpRequestMessage request, string key)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }
}
