using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.Observability;

namespace Switchboard.IntegrationTests.Api;

/// <summary>With a master key set, /health hides where the upstreams are and which keys they use from anyone but the
/// master key; the model list and count_tokens need a key like every call, and a virtual key sees only its models.</summary>
public sealed class MasterKeyAccessTests : IAsyncLifetime
{
    private const string Master = "sk-master-access-0123456789";
    private TestGateway _gateway = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _gateway = await TestGateway.StartAsync(new GatewayConfig
        {
            ModelList = [Configs.Mock("glm-pool", "dep-a"), Configs.Mock("other-pool", "dep-o", index: 1)],
            General = new GeneralSettings { MasterKey = Master, MaxRequestBodyBytes = 256 * 1024 },
        });
        using var request = Request(HttpMethod.Post, "/key/generate", Master, """{"models":["glm-pool"]}""");
        using var response = await _gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        _virtualKey = JsonDocument.Parse(text).RootElement.GetProperty("key").GetString()!;
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static HttpRequestMessage Request(HttpMethod method, string path, string? key, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? key, string? json = null)
    {
        using var request = Request(method, path, key, json);
        using var response = await _gateway.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sk-wrong-key-0123456789")]
    [InlineData("virtual")]
    public async Task Health_WithoutTheMasterKey_ShowsNoApiBaseNorKeyFragments(string? key)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/health", key == "virtual" ? _virtualKey : key);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("dep-a", body, StringComparison.Ordinal);
        Assert.DoesNotContain("api_base", body, StringComparison.Ordinal);
        Assert.DoesNotContain("api_key", body, StringComparison.Ordinal);
        Assert.DoesNotContain("cret", body, StringComparison.Ordinal); // the tail a masked key shows
        Assert.DoesNotContain("mock://", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_WithTheMasterKey_ShowsTheDetail()
    {
        var (_, body) = await SendAsync(HttpMethod.Get, "/health", Master);

        var first = JsonDocument.Parse(body).RootElement.GetProperty("deployments")[0];
        Assert.Equal("mock://local", first.GetProperty("api_base").GetString());
        Assert.Equal(KeyMask.Mask("sk-mock-dep-a-secret"), first.GetProperty("api_key").GetString());
    }

    [Theory]
    [InlineData("/v1/models")]
    [InlineData("/models")]
    public async Task Models_WithoutKey_Is401(string path)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, path, null);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(JsonDocument.Parse(body).RootElement.TryGetProperty("error", out _), body);
        Assert.DoesNotContain("glm-pool", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_VirtualKey_SeesOnlyItsModels()
    {
        var (virtualStatus, virtualBody) = await SendAsync(HttpMethod.Get, "/v1/models", _virtualKey);
        var (_, masterBody) = await SendAsync(HttpMethod.Get, "/v1/models", Master);

        Assert.Equal(HttpStatusCode.OK, virtualStatus);
        Assert.Equal(["glm-pool"], Ids(virtualBody));
        Assert.Equal(["glm-pool", "other-pool"], Ids(masterBody));
    }

    [Theory]
    [InlineData("/v1/models/")]
    [InlineData("/models/")]
    public async Task RetrieveModel_VirtualKey_SeesOnlyItsModels(string prefix)
    {
        var (ownStatus, ownBody) = await SendAsync(HttpMethod.Get, prefix + "glm-pool", _virtualKey);
        var (otherStatus, otherBody) = await SendAsync(HttpMethod.Get, prefix + "other-pool", _virtualKey);
        var (masterStatus, masterBody) = await SendAsync(HttpMethod.Get, prefix + "other-pool", Master);
        var (anonymousStatus, anonymousBody) = await SendAsync(HttpMethod.Get, prefix + "glm-pool", null);

        Assert.Equal(HttpStatusCode.OK, ownStatus);
        Assert.Equal("glm-pool", JsonDocument.Parse(ownBody).RootElement.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.NotFound, otherStatus);
        var error = JsonDocument.Parse(otherBody).RootElement.GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("The model 'other-pool' does not exist or you do not have access to it. Known model groups: glm-pool.",
            error.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, masterStatus);
        Assert.Equal("other-pool", JsonDocument.Parse(masterBody).RootElement.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousStatus);
        Assert.DoesNotContain("glm-pool", anonymousBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModel_VirtualKey_ErrorNamesOnlyItsModels()
    {
        const string Body = """{"model":"gpt-5","messages":[{"role":"user","content":"hi"}]}""";
        var (virtualStatus, virtualBody) = await SendAsync(HttpMethod.Post, "/v1/chat/completions", _virtualKey, Body);
        var (_, masterBody) = await SendAsync(HttpMethod.Post, "/v1/chat/completions", Master, Body);

        Assert.Equal(HttpStatusCode.BadRequest, virtualStatus);
        var message = JsonDocument.Parse(virtualBody).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Equal("Unknown model 'gpt-5'. Known model groups: glm-pool.", message);
        Assert.Contains("glm-pool, other-pool", masterBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountTokens_WithoutKey_Is401InAnthropicShape()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/v1/messages/count_tokens", null,
            """{"model":"glm-pool","messages":[{"role":"user","content":"hello"}]}""");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("error", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task CountTokens_WithKey_CountsAndIsBodyLimited()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/v1/messages/count_tokens", _virtualKey,
            """{"model":"glm-pool","messages":[{"role":"user","content":"hello"}]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("input_tokens").GetInt32() > 0, body);

        var huge = $$"""{"model":"glm-pool","messages":[{"role":"user","content":"{{new string('a', 512 * 1024)}}"}]}""";
        var (hugeStatus, hugeBody) = await SendAsync(HttpMethod.Post, "/v1/messages/count_tokens", _virtualKey, huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, hugeStatus);
        Assert.Contains("max_request_size_mb", hugeBody, StringComparison.Ordinal);
    }

    private static List<string> Ids(string body) =>
        [.. JsonDocument.Parse(body).RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).Order(StringComparer.Ordinal)];
}
