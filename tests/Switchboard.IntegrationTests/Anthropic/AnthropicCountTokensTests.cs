using System.Text;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using static Switchboard.IntegrationTests.Anthropic.AnthropicKit;

namespace Switchboard.IntegrationTests.Anthropic;

/// <summary>
/// <c>/v1/messages/count_tokens</c> refuses what <c>/v1/messages</c> refuses, with the same status and error type: an
/// unknown model, a model the virtual key may not use, a body the translation refuses (docs/hostile-input.md); and it
/// counts the text that <c>/v1/messages</c> sends upstream.
/// </summary>
public sealed class AnthropicCountTokensTests : IAsyncLifetime
{
    private const string Master = "sk-master-count-0123456789";
    private const string CountTokens = "/v1/messages/count_tokens?beta=true";
    private TestGateway _gateway = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _gateway = await TestGateway.StartAsync(new GatewayConfig
        {
            ModelList = [Configs.Mock("claude-pool", "dep-claude"), Configs.Mock("other-pool", "dep-other", index: 1)],
            General = new GeneralSettings { MasterKey = Master },
        });
        using var request = Request("/key/generate", Master, """{"models":["claude-pool"]}""");
        using var response = await _gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        _virtualKey = JsonDocument.Parse(text).RootElement.GetProperty("key").GetString()!;
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static HttpRequestMessage Request(string path, string key, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("x-api-key", key);
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        return request;
    }

    private async Task<(JsonElement Messages, JsonElement CountTokens)> BothAsync(string key, string body, int status, string type)
    {
        using var messagesResponse = await _gateway.Client.SendAsync(Request("/v1/messages", key, body));
        var messages = await AssertErrorAsync(messagesResponse, status, type);
        using var countResponse = await _gateway.Client.SendAsync(Request(CountTokens, key, body));
        var count = await AssertErrorAsync(countResponse, status, type);
        return (messages, count);
    }

    private static string MessageOf(JsonElement error) => error.GetProperty("error").GetProperty("message").GetString()!;

    [Fact]
    public async Task CountTokens_UnknownModel_404NotFoundErrorLikeMessages()
    {
        const string Body = """{"model":"no-such-model","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""";

        var (messages, count) = await BothAsync(Master, Body, 404, "not_found_error");

        Assert.Contains("no-such-model", MessageOf(count), StringComparison.Ordinal);
        Assert.Equal(MessageOf(messages), MessageOf(count));
    }

    [Fact]
    public async Task CountTokens_ModelTheVirtualKeyMayNotUse_403PermissionErrorLikeMessages()
    {
        const string Body = """{"model":"other-pool","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""";

        var (messages, count) = await BothAsync(_virtualKey, Body, 403, "permission_error");

        Assert.Contains("other-pool", MessageOf(count), StringComparison.Ordinal);
        Assert.Equal(MessageOf(messages), MessageOf(count));
    }

    [Fact]
    public async Task CountTokens_UnknownModelForAVirtualKey_NamesOnlyItsModels()
    {
        const string Body = """{"model":"no-such-model","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""";

        var (_, count) = await BothAsync(_virtualKey, Body, 404, "not_found_error");

        Assert.DoesNotContain("other-pool", MessageOf(count), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountTokens_ModelTheVirtualKeyMayUse_Counts()
    {
        using var response = await _gateway.Client.SendAsync(Request(CountTokens, _virtualKey,
            """{"model":"claude-pool","messages":[{"role":"user","content":"hello there"}]}"""));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("input_tokens").GetInt32() > 0, text);
    }

    [Theory]
    [InlineData("block without type", """{"model":"claude-pool","max_tokens":10,"messages":[{"role":"user","content":[{"text":"x"}]}]}""", "content[0]")]
    [InlineData("tool_result without tool_use_id", """{"model":"claude-pool","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result","content":"no id"}]}]}""", "tool_use_id")]
    [InlineData("tool_use without id", """{"model":"claude-pool","max_tokens":10,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","name":"Read","input":{}}]}]}""", "tool_use needs an id")]
    [InlineData("tool without name", """{"model":"claude-pool","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"input_schema":{"type":"object"}}]}""", "tools[0].name")]
    public async Task CountTokens_BodyTheTranslationRefuses_400LikeMessages(string what, string body, string messagePart)
    {
        var (messages, count) = await BothAsync(Master, body, 400, "invalid_request_error");

        Assert.False(string.IsNullOrEmpty(what));
        Assert.Contains(messagePart, MessageOf(count), StringComparison.Ordinal);
        Assert.Equal(MessageOf(messages), MessageOf(count));
    }

    [Fact]
    public async Task CountTokens_SearchResultAndCodeExecutionOutput_CountedLikeText()
    {
        var words = string.Concat(Enumerable.Repeat("word ", 400));
        var asText = await CountAsync($$$"""[{"type":"text","text":"{{{words}}}"},{"type":"text","text":"{{{words}}}"}]""");

        var count = await CountAsync($$$"""
            [{"type":"search_result","source":"s","title":"t","content":[{"type":"text","text":"{{{words}}}"}]},
             {"type":"tool_result","tool_use_id":"t1","content":[{"type":"search_result","source":"s","title":"t","content":[{"type":"text","text":"{{{words}}}"}]}]}]
            """);

        Assert.True(Math.Abs(count - asText) <= 30, $"{count} vs {asText} as text blocks");
    }

    private async Task<int> CountAsync(string userContent)
    {
        using var response = await _gateway.Client.SendAsync(Request(CountTokens, Master,
            $$$"""{"model":"claude-pool","messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Read","input":{}}]},{"role":"user","content":{{{userContent}}}}]}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("input_tokens").GetInt32();
    }
}
