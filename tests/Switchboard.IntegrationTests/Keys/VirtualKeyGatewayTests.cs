using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Keys;

/// <summary>Virtual keys, admission and usage records through the running gateway, in both API formats.</summary>
public sealed class VirtualKeyGatewayTests : IAsyncLifetime
{
    private const string Master = "sk-master-test-0123456789";
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        var priced = Configs.Mock("glm-pool", "dep-a", response: "one two three") with
        {
            ModelInfo = new ModelInfoConfig { InputCostPerToken = 0.001, OutputCostPerToken = 0.002 },
        };
        _gateway = await TestGateway.StartAsync(new GatewayConfig
        {
            ModelList = [priced, Configs.Mock("other-pool", "dep-o", index: 1)],
            General = new GeneralSettings { MasterKey = Master },
        });
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<string> GenerateAsync(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/key/generate") { Content = Json(json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
        using var response = await _gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("key").GetString()!;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private Task<HttpResponseMessage> ChatAsync(string? key, string model = "glm-pool", bool stream = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello there friend"}]}"""),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return _gateway.Client.SendAsync(request);
    }

    private Task<HttpResponseMessage> MessagesAsync(string? apiKey, string model = "glm-pool")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages?beta=true")
        {
            Content = Json($$"""{"model":"{{model}}","max_tokens":100,"messages":[{"role":"user","content":"hello there friend"}]}"""),
        };
        request.Headers.Add("anthropic-version", "2023-06-01");
        if (apiKey is not null)
        {
            request.Headers.Add("x-api-key", apiKey);
        }

        return _gateway.Client.SendAsync(request);
    }

    private static async Task AssertOpenAiErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {text}");
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(type, doc.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    private static async Task AssertAnthropicErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {text}");
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("error", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal(type, doc.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task VirtualKey_BothApis_ServedWithCostAndSpendHeaders()
    {
        var key = await GenerateAsync("""{"key_alias":"alice","models":["glm-pool"]}""");
        Assert.StartsWith("sk-", key, StringComparison.Ordinal);

        using var chat = await ChatAsync(key);
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var cost = double.Parse(chat.Headers.GetValues("x-litellm-response-cost").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(cost > 0);
        var spend = double.Parse(chat.Headers.GetValues("x-litellm-key-spend").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(cost, spend, 9);

        using var messages = await MessagesAsync(key);
        Assert.Equal(HttpStatusCode.OK, messages.StatusCode);
        var spendAfter = double.Parse(messages.Headers.GetValues("x-litellm-key-spend").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(spendAfter > spend, "spend counts at once, not after a flush");
    }

    [Fact]
    public async Task Stream_WithIncludeUsage_FinalUsageChunkCarriesCost()
    {
        var key = await GenerateAsync("""{"key_alias":"streamer"}""");
        using var response = await ChatAsync(key, stream: true);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"usage\":{\"cost\":", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnthropicStream_MessageDeltaUsageCarriesCost()
    {
        var key = await GenerateAsync("""{"key_alias":"claude-streamer"}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = Json("""{"model":"glm-pool","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hello there friend"}]}"""),
        };
        request.Headers.Add("x-api-key", key);
        using var response = await _gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var delta = text.Split("\n\n").Single(e => e.StartsWith("event: message_delta", StringComparison.Ordinal));
        Assert.Contains("\"cost\":", delta, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongOrMissingKey_401_InCallersFormat()
    {
        await AssertOpenAiErrorAsync(await ChatAsync("sk-not-a-real-key"), HttpStatusCode.Unauthorized, "authentication_error");
        await AssertOpenAiErrorAsync(await ChatAsync(null), HttpStatusCode.Unauthorized, "authentication_error");
        await AssertAnthropicErrorAsync(await MessagesAsync("sk-not-a-real-key"), HttpStatusCode.Unauthorized, "authentication_error");
        await AssertAnthropicErrorAsync(await MessagesAsync(null), HttpStatusCode.Unauthorized, "authentication_error");
    }

    [Fact]
    public async Task ModelNotAllowed_403_BothFormats()
    {
        var key = await GenerateAsync("""{"key_alias":"narrow","models":["glm-pool"]}""");
        await AssertOpenAiErrorAsync(await ChatAsync(key, "other-pool"), HttpStatusCode.Forbidden, "permission_error");
        await AssertAnthropicErrorAsync(await MessagesAsync(key, "other-pool"), HttpStatusCode.Forbidden, "permission_error");
    }

    [Fact]
    public async Task RpmLimit_SecondCall429WithRetryAfter_BothFormats()
    {
        var key = await GenerateAsync("""{"key_alias":"slowpoke","rpm_limit":1}""");
        using (var first = await ChatAsync(key))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var second = await ChatAsync(key);
        Assert.NotNull(second.Headers.RetryAfter);
        await AssertOpenAiErrorAsync(second, HttpStatusCode.TooManyRequests, "rate_limit_error");
        await AssertAnthropicErrorAsync(await MessagesAsync(key), HttpStatusCode.TooManyRequests, "rate_limit_error");
    }

    [Fact]
    public async Task BudgetExceeded_Refused_AndBlockedKey403_AndRevokeTakesEffectAtOnce()
    {
        var key = await GenerateAsync("""{"key_alias":"thrifty","max_budget":0.000001}""");
        using (var first = await ChatAsync(key))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await AssertOpenAiErrorAsync(await ChatAsync(key), HttpStatusCode.BadRequest, "invalid_request_error");

        var blocked = await GenerateAsync("""{"key_alias":"blocked-one"}""");
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/key/block") { Content = Json($$"""{"key":"{{blocked}}"}""") })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
            Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.SendAsync(request)).StatusCode);
        }

        await AssertOpenAiErrorAsync(await ChatAsync(blocked), HttpStatusCode.Forbidden, "permission_error");

        var revoked = await GenerateAsync("""{"key_alias":"revoked-one"}""");
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(revoked)).StatusCode);
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/key/delete") { Content = Json($$"""{"keys":["{{revoked}}"]}""") })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
            Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.SendAsync(request)).StatusCode);
        }

        await AssertOpenAiErrorAsync(await ChatAsync(revoked), HttpStatusCode.Unauthorized, "authentication_error");
    }

    [Fact]
    public async Task OneConnection_KeyRememberedUntilBlockedDeletedOrChanged()
    {
        var key = await GenerateAsync("""{"key_alias":"kept-alive"}""");
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1 };
        using var client = new HttpClient(handler) { BaseAddress = _gateway.BaseUrl };
        async Task<HttpStatusCode> CallAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = Json("""{"model":"glm-pool","messages":[{"role":"user","content":"hi"}]}"""),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        async Task AdminAsync(string path, string json)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(json) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
            using var response = await _gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The same key call after call on one keep-alive connection: the first call reads it from the store, the second
        // finds it cached and is remembered by the connection, and the rest hash nothing.
        var hashedBefore = _gateway.Services.Auth.TokensHashed;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await CallAsync(key));
        }

        Assert.Equal(2, _gateway.Services.Auth.TokensHashed - hashedBefore);

        // Another token on the same connection is judged on its own, and the first one still works after it.
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync("sk-not-a-key-0000000000000000"));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(key));

        // A block, an unblock and a delete each take effect on the very next call of that connection.
        await AdminAsync("/key/block", $$"""{"key":"{{key}}"}""");
        Assert.Equal(HttpStatusCode.Forbidden, await CallAsync(key));
        await AdminAsync("/key/unblock", $$"""{"key":"{{key}}"}""");
        Assert.Equal(HttpStatusCode.OK, await CallAsync(key));
        await AdminAsync("/key/delete", $$"""{"keys":["{{key}}"]}""");
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(key));
    }

    [Fact]
    public async Task UsageRecords_OnePerCall_KeysNeverStoredOrLoggedInClear()
    {
        var key = await GenerateAsync("""{"key_alias":"recorded"}""");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await ChatAsync(key, stream: i == 1)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await MessagesAsync(key)).StatusCode);
        using var logs = await PollSpendLogsAsync("recorded", expected: 4);
        var rows = logs.RootElement.EnumerateArray().ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.True(r.GetProperty("spend").GetDouble() > 0));
        Assert.All(rows, r => Assert.True(r.GetProperty("prompt_tokens").GetInt64() > 0));
        Assert.Contains(rows, r => r.GetProperty("api").GetString() == "anthropic");
        Assert.Contains(rows, r => r.GetProperty("stream").GetBoolean());

        foreach (var suffix in new[] { "", "-wal" })
        {
            var path = _gateway.DatabasePath + suffix;
            if (File.Exists(path))
            {
                var bytes = await ReadSharedAsync(path);
                Assert.DoesNotContain(key, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
                Assert.DoesNotContain(Master, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
            }
        }

        Assert.DoesNotContain(_gateway.Logs.Lines, l => l.Contains(key, StringComparison.Ordinal) || l.Contains(Master, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RouterStatus_NeedsMasterKeyWhenOneIsSet()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _gateway.Client.GetAsync("/router/status")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/router/status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.SendAsync(request)).StatusCode);
    }

    private async Task<JsonDocument> PollSpendLogsAsync(string alias, int expected)
    {
        // Records are written by the background batch writer (every 200 ms), never on the request path.
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/spend/logs?key_alias=" + alias);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
            using var response = await _gateway.Client.SendAsync(request);
            var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if (doc.RootElement.GetArrayLength() >= expected || attempt > 50)
            {
                return doc;
            }

            doc.Dispose();
            await Task.Delay(100);
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
