using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Anthropic;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Anthropic;

/// <summary>Shared pieces of the Anthropic-side integration tests: configs, clients, raw requests, the stream grammar.</summary>
internal static class AnthropicKit
{
    /// <summary>The name Claude Code sends for its main model; the answers must echo it.</summary>
    public const string Sonnet = "claude-sonnet-4-5-20250929";

    /// <summary>A pool of OpenAI-format deployments on the mock that every Claude model name reaches (wildcard group).</summary>
    public static GatewayConfig ClaudePool(Uri mock, params string[] keys) => Pool(mock, "openai", keys);

    /// <summary>A pool of <c>anthropic/</c> deployments on the mock's Anthropic mode, reached by every Claude model name.</summary>
    public static GatewayConfig AnthropicPool(Uri mock, params string[] keys) => Pool(mock, "anthropic", keys);

    private static GatewayConfig Pool(Uri mock, string provider, string[] keys) => new()
    {
        ModelList = keys.Select((key, i) => Configs.Http("claude-*", "dep-" + key, mock, key, provider, index: i)).ToArray(),
        Router = new RouterSettings { NumRetries = 1 },
    };

    public static AnthropicClient Client(TestGateway gateway) =>
        new() { ApiKey = "sk-client-anything", BaseUrl = gateway.BaseUrl.ToString(), MaxRetries = 0 };

    /// <summary>A POST as Claude Code sends it: both auth headers, the version header and a beta list the gateway does not know.</summary>
    public static HttpRequestMessage Post(string path, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("x-api-key", "sk-client-anything");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-client-anything");
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        request.Headers.TryAddWithoutValidation("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,made-up-beta-2099-01-01");
        request.Headers.TryAddWithoutValidation("x-app", "cli");
        return request;
    }

    public static string Messages(string model, string userText, bool stream, string extra = "") =>
        $$"""{"model":"{{model}}","max_tokens":1024,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":{{JsonSerializer.Serialize(userText)}}}]{{extra}}}""";

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(",", content) : null;

    /// <summary>Asserts an Anthropic error answer: the status, the error type, and the request id in body and header alike.</summary>
    public static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, int status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var root = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal("error", root.GetProperty("type").GetString());
        Assert.Equal(type, root.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("error").GetProperty("message").GetString()));
        var requestId = root.GetProperty("request_id").GetString();
        Assert.False(string.IsNullOrEmpty(requestId));
        Assert.Equal(requestId, Header(response, "request-id"));
        return root;
    }

    /// <summary>
    /// Checks an Anthropic SSE body against the protocol's grammar (FACTS.md): one message_start first; blocks opened and
    /// closed one at a time with indexes 0, 1, 2…; deltas only inside their open block and of the block's kind; then either
    /// message_delta + message_stop (complete) or one final error event (failed). Pings anywhere. Returns the events.
    /// </summary>
    public static List<(string Event, JsonElement Data)> AssertWellFormed(string body, bool expectError = false)
    {
        var events = MockProvider.MockProviderHarness.ParseSse(body)
            .Select(e => (Event: e.Event ?? string.Empty, Data: JsonDocument.Parse(e.Data).RootElement.Clone()))
            .ToList();
        Assert.All(events, e => Assert.Equal(e.Event, e.Data.GetProperty("type").GetString()));
        var kinds = events.Where(e => e.Event != "ping").ToList();
        Assert.Equal("message_start", kinds[0].Event);
        var openIndex = -1;
        string? openType = null;
        var nextIndex = 0;
        var sawDelta = false;
        for (var i = 1; i < kinds.Count; i++)
        {
            var (name, data) = kinds[i];
            switch (name)
            {
                case "content_block_start":
                    Assert.Null(openType);
                    Assert.False(sawDelta, "a block started after message_delta");
                    Assert.Equal(nextIndex, data.GetProperty("index").GetInt32());
                    openIndex = nextIndex++;
                    openType = data.GetProperty("content_block").GetProperty("type").GetString();
                    break;
                case "content_block_delta":
                    Assert.NotNull(openType);
                    Assert.Equal(openIndex, data.GetProperty("index").GetInt32());
                    var delta = data.GetProperty("delta").GetProperty("type").GetString();
                    var allowed = openType switch
                    {
                        "text" => new[] { "text_delta" },
                        "thinking" => ["thinking_delta", "signature_delta"],
                        "tool_use" => ["input_json_delta"],
                        _ => [],
                    };
                    Assert.Contains(delta, allowed);
                    break;
                case "content_block_stop":
                    Assert.NotNull(openType);
                    Assert.Equal(openIndex, data.GetProperty("index").GetInt32());
                    openType = null;
                    break;
                case "message_delta":
                    Assert.Null(openType);
                    Assert.False(sawDelta, "two message_delta events");
                    sawDelta = true;
                    break;
                case "message_stop":
                    Assert.True(sawDelta, "message_stop without message_delta");
                    Assert.Equal(kinds.Count - 1, i);
                    break;
                case "error":
                    Assert.True(expectError, "unexpected error event: " + data);
                    Assert.True(openType is null, "the open block was not closed before the error event");
                    Assert.Equal(kinds.Count - 1, i);
                    break;
                default:
                    Assert.Fail("unexpected event " + name);
                    break;
            }
        }

        Assert.Equal(expectError ? "error" : "message_stop", kinds[^1].Event);
        return events;
    }
}
