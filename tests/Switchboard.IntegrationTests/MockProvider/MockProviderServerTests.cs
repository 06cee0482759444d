using System.Net;
using System.Text.Json;
using static Switchboard.IntegrationTests.MockProvider.MockProviderHarness;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>The OpenAI mode over a real socket: each key family, non-stream answers, stats, reset, robustness.</summary>
public sealed class MockProviderServerTests(MockProviderHarness mock) : IClassFixture<MockProviderHarness>
{
    [Fact]
    public async Task ChatCompletions_OkKey_NamesKeyEchoesModelAndCountsUsage()
    {
        var text = new string('x', 40);
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-1", Chat("glm-4.6", text), ("x-mock-chunks", "5"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await JsonAsync(response);
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.Equal("glm-4.6", json.GetProperty("model").GetString());
        var choice = json.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Hello from mock deployment ok-1 (model glm-4.6)", choice.GetProperty("message").GetProperty("content").GetString());
        var usage = json.GetProperty("usage");
        Assert.Equal((40 / 4) + 1, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(16, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [Theory]
    [InlineData("/chat/completions")]
    [InlineData("/v1/chat/completions")]
    public async Task ChatCompletions_WithOrWithoutV1Prefix_Answers(string path)
    {
        using var response = await mock.PostAsync(path, "ok-prefix", Chat("m", "hi"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ChatCompletions_XApiKeyHeader_IsTheKey()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(Chat("m", "hi"), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", "rl-xapi");
        using var response = await mock.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Theory]
    [InlineData("rl-1", 429, "rate_limit_exceeded")]
    [InlineData("err-1", 500, null)]
    [InlineData("auth-1", 401, "invalid_api_key")]
    [InlineData("", 401, "invalid_api_key")]
    public async Task ChatCompletions_FailingKey_AnswersItsStatusInOpenAiShape(string key, int status, string? code)
    {
        using var response = await mock.PostAsync("/v1/chat/completions", key, Chat("m", "hi"));

        Assert.Equal(status, (int)response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(code, error.GetProperty("code").ValueKind == JsonValueKind.Null ? null : error.GetProperty("code").GetString());
        Assert.Equal(status == 429 ? "30" : null, response.Headers.TryGetValues("Retry-After", out var v) ? v.Single() : null);
    }

    [Fact]
    public async Task ChatCompletions_FlakyKey_FailsEveryOtherCallWith503()
    {
        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await mock.PostAsync("/v1/chat/completions", "flaky-1", Chat("m", "hi"));
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal([200, 503, 200, 503], statuses);
    }

    [Fact]
    public async Task ChatCompletions_HdrKey_AnswersWithSpentRequestBudget()
    {
        using var response = await mock.PostAsync("/v1/chat/completions", "hdr-1", Chat("m", "hi"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0", response.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.Equal("20s", response.Headers.GetValues("x-ratelimit-reset-requests").Single());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("")]
    public async Task ChatCompletions_MalformedJson_Answers400InOpenAiShape(string body)
    {
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-bad", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (await JsonAsync(response)).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task ChatCompletions_ToolDirective_AnswersToolCall()
    {
        var tools = ""","tools":[{"type":"function","function":{"name":"Read","parameters":{"type":"object"}}}]""";
        var prompt = """please mock-tool:Read {"file_path": "/tmp/x/a.txt"} now""";
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-tool", Chat("m", prompt, extra: tools));

        var choice = (await JsonAsync(response)).GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.StartsWith("call_", call.GetProperty("id").GetString());
        Assert.Equal("Read", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"file_path":"/tmp/x/a.txt"}""", call.GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public async Task ChatCompletions_SystemMessageAfterUserTurn_StillAnswersTheUserTurn()
    {
        // Claude Code puts a system message after the user's turn; translated, it may stay there.
        var body = """{"model":"m","tools":[{"type":"function","function":{"name":"Read","parameters":{"type":"object"}}}],"messages":[{"role":"system","content":"s"},{"role":"user","content":"mock-tool:Read {\"file_path\":\"/tmp/q\"}"},{"role":"system","content":"agent types"},{"role":"developer","content":"more"}]}""";
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-late-system", body);

        var choice = (await JsonAsync(response)).GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("""{"file_path":"/tmp/q"}""", call.GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public async Task ChatCompletions_ToolDirectiveWithoutTools_AnswersText()
    {
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-notools", Chat("m", "mock-tool:Read {}"));

        var message = (await JsonAsync(response)).GetProperty("choices")[0].GetProperty("message");
        Assert.StartsWith("Hello from mock deployment ok-notools", message.GetProperty("content").GetString());
        Assert.False(message.TryGetProperty("tool_calls", out _));
    }

    [Fact]
    public async Task ChatCompletions_LastMessageIsToolResult_EchoesFirst200Chars()
    {
        var result = new string('r', 250);
        var body = $$$"""
            {"model":"m","tools":[{"type":"function","function":{"name":"Read"}}],"messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"Read","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"{{{result}}}"}]}
            """;
        using var response = await mock.PostAsync("/v1/chat/completions", "ok-result", body);

        var content = (await JsonAsync(response)).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.Equal("Tool result received: " + new string('r', 200), content);
    }

    [Fact]
    public async Task ChatCompletions_GlmThinkingEnabled_IncludesReasoningContent()
    {
        using var response = await mock.PostAsync(
            "/v1/chat/completions", "ok-think", Chat("glm-4.6", "hi", extra: ""","thinking":{"type":"enabled"}"""));

        var message = (await JsonAsync(response)).GetProperty("choices")[0].GetProperty("message");
        Assert.Contains("ok-think", message.GetProperty("reasoning_content").GetString());
        Assert.StartsWith("Hello from mock deployment", message.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Completions_Legacy_AnswersTextCompletion()
    {
        using var response = await mock.PostAsync("/v1/completions", "ok-legacy", """{"model":"m","prompt":"Say hi"}""");

        var json = await JsonAsync(response);
        Assert.Equal("text_completion", json.GetProperty("object").GetString());
        Assert.StartsWith("Hello from mock deployment ok-legacy", json.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(2, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_ArrayInput_GivesDeterministicUnitVectorsOfRequestedSize()
    {
        var body = """{"model":"text-embedding-3-small","input":["alpha","beta","alpha"],"dimensions":16}""";
        using var response = await mock.PostAsync("/v1/embeddings", "ok-emb", body);

        var data = (await JsonAsync(response)).GetProperty("data");
        var vectors = data.EnumerateArray().Select(d => d.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToList();
        Assert.Equal(3, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(16, v.Length));
        Assert.Equal(vectors[0], vectors[2]);
        Assert.NotEqual(vectors[0], vectors[1]);
        Assert.Equal(1.0, Math.Sqrt(vectors[0].Sum(x => (double)x * x)), 3);
    }

    [Fact]
    public async Task Embeddings_StringInputWithoutDimensions_GivesEightFloats()
    {
        using var response = await mock.PostAsync("/embeddings", "ok-emb8", """{"model":"e","input":"hello"}""");

        var json = await JsonAsync(response);
        Assert.Equal(8, json.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
        Assert.Equal(2, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Models_Get_ListsGlmModels()
    {
        var json = JsonDocument.Parse(await mock.Http.GetStringAsync("/v1/models")).RootElement;

        Assert.Equal("list", json.GetProperty("object").GetString());
        Assert.Contains(json.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "glm-4.6");
    }

    [Fact]
    public async Task Stats_AfterCalls_CountsPerKeyAndResetForgets()
    {
        for (var i = 0; i < 3; i++) (await mock.PostAsync("/v1/chat/completions", "ok-stats", Chat("m", "hi"))).Dispose();
        (await mock.PostAsync("/v1/chat/completions", "rl-stats", Chat("m", "hi"))).Dispose();

        var stats = JsonDocument.Parse(await mock.Http.GetStringAsync("/_stats")).RootElement;
        var ok = stats.GetProperty("keys").GetProperty("ok-stats");
        Assert.Equal(3, ok.GetProperty("calls").GetInt64());
        Assert.Equal(0, ok.GetProperty("in_flight").GetInt32());
        Assert.Equal(1, ok.GetProperty("max_in_flight").GetInt32());
        Assert.Equal(1, stats.GetProperty("keys").GetProperty("rl-stats").GetProperty("calls").GetInt64());
        Assert.Equal(mock.Server.Stats.Total, stats.GetProperty("total").GetInt64());

        using var reset = await mock.Http.PostAsync("/_reset", null);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var after = JsonDocument.Parse(await mock.Http.GetStringAsync("/_stats")).RootElement;
        Assert.False(after.GetProperty("keys").TryGetProperty("ok-stats", out _));
        Assert.Equal(0, mock.Server.Stats["ok-stats"].Calls);
    }

    [Fact]
    public async Task UnknownPath_Answers404()
    {
        using var response = await mock.Http.GetAsync("/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
