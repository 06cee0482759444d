using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Api;

/// <summary>
/// Hostile bodies, paths and headers against a real gateway: always a 4xx in the caller's own error shape, never a 500,
/// never an upstream call, never more than 200 characters of the client's input quoted back (docs/hostile-input.md).
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private const string Chat = "/v1/chat/completions";
    private const string Messages = "/v1/messages";
    private const string CountTokens = "/v1/messages/count_tokens";
    internal const string MasterKey = "sk-master-hostile-0123456789";

    private MockProviderServer _mock = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 2 }, CancellationToken.None);
        _gateway = await TestGateway.StartAsync(HostileConfig(_mock.BaseUrl));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mock.DisposeAsync();
    }

    /// <summary>An OpenAI pool, a translated Claude pool and a passthrough Anthropic pool, all on the mock.</summary>
    internal static GatewayConfig HostileConfig(Uri mock) => new()
    {
        General = new GeneralSettings { MasterKey = MasterKey },
        ModelList =
        [
            Configs.Http("glm-pool", "dep-openai", mock, "ok-h1"),
            Configs.Http("claude-*", "dep-translated", mock, "ok-h2", index: 1),
            Configs.Http("anthropic-pool", "dep-anthropic", mock, "ok-h3", provider: "anthropic", index: 2),
            // Named by no hostile request: shows the gateway itself still serves after a storm that may cool down the others.
            Configs.Mock("clean-pool", "dep-clean", index: 3),
        ],
    };

    public static TheoryData<string, string> BadBodies => new()
    {
        { "invalid UTF-8 in a message", "{\"model\":\"M\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"a\xff\xfe b\"}]}" },
        { "invalid UTF-8 in the model", "{\"model\":\"M\xc3\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" },
        { "lone high surrogate", """{"model":"M","max_tokens":10,"messages":[{"role":"user","content":"a\ud800b"}]}""" },
        { "lone low surrogate in the model", """{"model":"M\udc00","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""" },
        { "lone surrogate in a tool name", """{"model":"M","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"t\ud800","input_schema":{"type":"object"}}]}""" },
        { "NUL in the model", """{"model":"M\u0000","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""" },
        { "raw NUL byte", "{\"model\":\"M\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"a\0b\"}]}" },
        { "nested 100 deep", """{"model":"M","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"metadata":""" + Nest(100) + "}" },
        { "nested 200 deep in a tool schema", """{"model":"M","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"t","input_schema":""" + Nest(200) + "}]}" },
        { "nested 300 deep", """{"model":"M","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"x":""" + Nest(300) + "}" },
        { "nested 10000 deep", """{"model":"M","messages":""" + new string('[', 10_000) },
        { "root is an array", """[{"model":"M"}]""" },
        { "empty body", "" },
        { "model is an object", """{"model":{"a":1},"messages":[{"role":"user","content":"hi"}]}""" },
        { "stream is a string", """{"model":"M","stream":"yes","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""" },
        { "messages is a string", """{"model":"M","max_tokens":10,"messages":"hello"}""" },
        { "messages is empty", """{"model":"M","max_tokens":10,"messages":[]}""" },
        { "a message is a number", """{"model":"M","max_tokens":10,"messages":[42]}""" },
        { "role is a number", """{"model":"M","max_tokens":10,"messages":[{"role":7,"content":"hi"}]}""" },
        { "role is missing", """{"model":"M","max_tokens":10,"messages":[{"content":"hi"}]}""" },
        { "content is a number", """{"model":"M","max_tokens":10,"messages":[{"role":"user","content":5}]}""" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task ChatCompletions_HostileBody_400OpenAiErrorNoUpstreamCall(string what, string body)
    {
        using var response = await SendAsync(HttpMethod.Post, Chat, body.Replace("\"M", "\"glm-pool", StringComparison.Ordinal));

        await AssertOpenAiErrorAsync(response, 400, what);
        Assert.Equal(0, _mock.Stats.Total);
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Messages_HostileBodyTranslated_400AnthropicErrorNoUpstreamCall(string what, string body)
    {
        using var response = await SendAsync(HttpMethod.Post, Messages, body.Replace("\"M", "\"claude-sonnet-4-5", StringComparison.Ordinal));

        await AssertAnthropicErrorAsync(response, 400, what);
        Assert.Equal(0, _mock.Stats.Total);
    }

    [Theory]
    [InlineData("invalid UTF-8", "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\",\"content\":\"a\xff\"}]}")]
    [InlineData("lone surrogate", """{"model":"claude-x","messages":[{"role":"user","content":"\udfff"}]}""")]
    [InlineData("nested 200 deep", """{"model":"claude-x","messages":[{"role":"user","content":"hi"}],"tools":[{"name":"t","input_schema":""" + "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" + "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" + "}]}")]
    [InlineData("messages a string", """{"model":"claude-x","messages":"hello"}""")]
    [InlineData("tools a string", """{"model":"claude-x","messages":[],"tools":"x"}""")]
    public async Task CountTokens_HostileBody_400AnthropicError(string what, string body)
    {
        using var response = await SendAsync(HttpMethod.Post, CountTokens, body);

        await AssertAnthropicErrorAsync(response, 400, what);
    }

    [Fact]
    public async Task Messages_HostileBodyPassthrough_400AnthropicErrorNoUpstreamCall()
    {
        using var response = await SendAsync(HttpMethod.Post, Messages,
            "{\"model\":\"anthropic-pool\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"\xed\xa0\x80\"}]}");

        await AssertAnthropicErrorAsync(response, 400, "UTF-8-encoded surrogate");
        Assert.Equal(0, _mock.Stats.Total);
    }

    [Theory]
    [InlineData(Chat, false)]
    [InlineData(Messages, true)]
    public async Task HugeModel_FiveMegabyteName_400QuotesAtMost200Characters(string path, bool anthropic)
    {
        var model = "x" + new string('m', 5 * 1024 * 1024);

        using var response = await SendAsync(HttpMethod.Post, path, $$"""{"model":"{{model}}","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(text.Length < 1_000, $"the error body has {text.Length} characters");
        Assert.Contains("x" + new string('m', 150), text);
        await AssertErrorAsync(response, 400, anthropic, "huge model");
        Assert.Equal(0, _mock.Stats.Total);
    }

    [Theory]
    [InlineData(Chat, false)]
    [InlineData(Messages, true)]
    public async Task UnknownModel_LongName_QuotesAtMost200Characters(string path, bool anthropic)
    {
        var model = "no-such-model-" + new string('m', 230);

        using var response = await SendAsync(HttpMethod.Post, path, $$"""{"model":"{{model}}","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

        var text = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains(model[..200] + "… (244 characters)", text);
        Assert.DoesNotContain(model[..201], text);
        await AssertErrorAsync(response, anthropic ? 404 : 400, anthropic, "unknown model");
    }

    [Fact]
    public async Task UnknownPath_LongPath_JsonErrorQuotesAtMost200Characters()
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/" + new string('p', 4000), null);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(text.Length < 1_000, $"the error body has {text.Length} characters");
        await AssertOpenAiErrorAsync(response, 404, "long path");
    }

    [Theory]
    [InlineData("PUT", Chat, 405, false)]
    [InlineData("DELETE", Messages, 405, true)]
    [InlineData("GET", "/v1/nothing-here", 404, false)]
    [InlineData("GET", "/v1/messages/batches", 404, true)]
    [InlineData("PATCH", "/key/generate", 405, false)]
    [InlineData("GET", "/%2e%2e/%2e%2e/etc/passwd", 404, false)]
    public async Task UnknownPathOrMethod_JsonErrorInTheApisShape(string method, string path, int status, bool anthropic)
    {
        using var response = await SendAsync(new HttpMethod(method), path, null);

        if (anthropic)
        {
            await AssertAnthropicErrorAsync(response, status, path);
        }
        else
        {
            await AssertOpenAiErrorAsync(response, status, path);
        }
    }

    [Theory]
    [InlineData("/key/generate", """{"key_alias":"a\u0000b"}""")]
    [InlineData("/key/generate", "{\"key_alias\":\"a\xff\"}")]
    [InlineData("/key/generate", """{"key_alias":"\ud800"}""")]
    [InlineData("/key/generate", """{"models":[1,2]}""")]
    [InlineData("/key/generate", """{"max_budget":"lots"}""")]
    [InlineData("/key/generate", """{"rpm_limit":1e30}""")]
    [InlineData("/key/generate", """{"expires":"never"}""")]
    [InlineData("/key/update", """{"key":{"a":1}}""")]
    [InlineData("/key/delete", """{"keys":[{"a":1}]}""")]
    [InlineData("/key/delete", """{"keys":"\ud800"}""")]
    public async Task AdminEndpoint_HostileBody_NoServerError(string path, string body)
    {
        using var response = await SendAsync(HttpMethod.Post, path, body);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{path} {body}: {(int)response.StatusCode} {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task ChatCompletions_ValidShapes_StillServed()
    {
        var bodies = new[]
        {
            """{"model":"glm-pool","messages":[{"role":"developer","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"}]}]}""",
            """{"model":"glm-pool","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}]}""",
            """{"model":"glm-pool","messages":[{"role":"system","content":"s","name":"n"},{"role":"function","name":"f","content":"x"},{"role":"user","content":"hi"}],"stream":false}""",
        };
        foreach (var body in bodies)
        {
            using var response = await SendAsync(HttpMethod.Post, Chat, body);
            Assert.True(response.IsSuccessStatusCode, body + ": " + await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>Documents what Kestrel does with a NUL in the path (see docs/hostile-input.md): it never reaches the app.</summary>
    [Fact]
    public async Task PathWithEncodedNul_Rejected400()
    {
        var (status, body) = await RawAsync("POST /v1/chat%00/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");

        Assert.Equal(400, status);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }

    internal Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body) => SendAsync(_gateway.Client, method, path, body);

    internal static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            // Latin-1 keeps each char as one byte, so the test strings can carry invalid UTF-8 as \xNN escapes.
            request.Content = new ByteArrayContent(Latin1OrUtf8(body));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MasterKey);
        return await client.SendAsync(request);
    }

    /// <summary>Strings with chars above 0xFF are real text (UTF-8); strings within 0–0xFF are raw bytes, so tests can write \xff.</summary>
    internal static byte[] Latin1OrUtf8(string body) =>
        body.Any(c => c > 0xFF) ? Encoding.UTF8.GetBytes(body) : Encoding.Latin1.GetBytes(body);

    private async Task<(int Status, string Body)> RawAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_gateway.BaseUrl.Host, _gateway.BaseUrl.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var text = await reader.ReadToEndAsync();
        var status = int.Parse(text.Split(' ', 3)[1]);
        return (status, text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    private static string Nest(int depth) => new string('[', depth) + new string(']', depth);

    internal static Task AssertErrorAsync(HttpResponseMessage response, int status, bool anthropic, string what) =>
        anthropic ? AssertAnthropicErrorAsync(response, status, what) : AssertOpenAiErrorAsync(response, status, what);

    internal static async Task AssertOpenAiErrorAsync(HttpResponseMessage response, int status, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{what}: expected {status}, got {(int)response.StatusCode}: {Cut(text)}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), what);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
    }

    internal static async Task AssertAnthropicErrorAsync(HttpResponseMessage response, int status, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{what}: expected {status}, got {(int)response.StatusCode}: {Cut(text)}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var root = JsonDocument.Parse(text).RootElement;
        Assert.Equal("error", root.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("error").GetProperty("message").GetString()), what);
        Assert.Equal(JsonValueKind.String, root.GetProperty("error").GetProperty("type").ValueKind);
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
