using System.Net;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using static Switchboard.IntegrationTests.Anthropic.AnthropicKit;

namespace Switchboard.IntegrationTests.Anthropic;

/// <summary>
/// A request shaped like Claude Code's first one with its default model (a system message inside messages, adaptive
/// thinking, output_config, context_management) plus history and tools an OpenAI upstream has no place for: the
/// gateway answers 200 and the upstream gets only what it understands (docs/compatibility.md).
/// </summary>
public sealed class AnthropicLiberalRequestTests
{
    private const string ClaudeCodeBody = """
        {"model":"claude-opus-5-5","max_tokens":64000,
         "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.332.0b8; cc_entrypoint=sdk-cli;"},
                   {"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
         "messages":[
           {"role":"user","content":[{"type":"text","text":"<system-reminder>ctx</system-reminder>"},{"type":"text","text":"find it","cache_control":{"type":"ephemeral"}}]},
           {"role":"system","content":[{"type":"text","text":"Available agent types: general.","cache_control":{"type":"ephemeral"}}]},
           {"role":"assistant","content":[
             {"type":"redacted_thinking","data":"EuYBCkQYAiJA"},
             {"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"dotnet"}},
             {"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[{"type":"web_search_result","url":"https://dot.net","title":"DotNet home","encrypted_content":"Eqg"}]},
             {"type":"tool_use","id":"toolu_1","name":"Read","input":{"file_path":"/tmp/a"}}]},
           {"role":"user","content":[
             {"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"file body"},{"type":"search_result","source":"kb://1","title":"KB","content":[{"type":"text","text":"kb text"}]}]},
             {"type":"container_upload","file_id":"file_1"},
             {"type":"text","text":"go on"}]}],
         "tools":[{"name":"Read","description":"Reads a file","input_schema":{"type":"object","properties":{"file_path":{"type":"string"}}}},
                  {"type":"web_search_20250305","name":"web_search","max_uses":5},
                  {"type":"bash_20250124","name":"bash"},
                  {"name":"DeferredToolPlaceholder","input_schema":{"type":"object","properties":{}},"defer_loading":true}],
         "metadata":{"user_id":"{\"device_id\":\"d1\",\"account_uuid\":\"\",\"session_id\":\"s1\"}"},
         "thinking":{"type":"adaptive","display":"omitted"},
         "output_config":{"effort":"high"},
         "context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},
         "container":"container_1","mcp_servers":[],"service_tier":"auto"}
        """;

    private static async Task<JsonElement> SendAsync(string upstreamModel)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(new GatewayConfig
        {
            ModelList = [Configs.Http("claude-*", "dep-rec", upstream.BaseUrl, "sk-upstream", "openai", upstreamModel)],
        });

        using var response = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", ClaudeCodeBody));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("recorded", JsonDocument.Parse(text).RootElement.GetProperty("content")[0].GetProperty("text").GetString());
        return JsonDocument.Parse(Assert.Single(upstream.Requests).Body).RootElement.Clone();
    }

    [Fact]
    public async Task ClaudeCodeShapedRequest_GlmPool_SystemMessageMergedAndOnlyGlmFieldsSent()
    {
        var body = await SendAsync("glm-4.6");

        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("You are Claude Code.\n\nAvailable agent types: general.", messages[0].GetProperty("content").GetString());
        Assert.Equal("DotNet home\nhttps://dot.net", messages[2].GetProperty("content").GetString());
        Assert.Equal("Read", messages[2].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("file body\nKB\nkb://1\nkb text", messages[3].GetProperty("content").GetString());
        Assert.Equal("go on", messages[4].GetProperty("content").GetString());
        Assert.Equal(["Read", "DeferredToolPlaceholder"], body.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal("enabled", body.GetProperty("thinking").GetProperty("type").GetString());
        Assert.Equal("auto", body.GetProperty("tool_choice").GetString());
        AssertNoAnthropicOnlyFields(body, "reasoning_effort");
    }

    [Fact]
    public async Task ClaudeCodeShapedRequest_OpenAiReasoningPool_SystemMessageInPlaceAndEffortMapped()
    {
        var body = await SendAsync("gpt-5");

        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "system", "assistant", "tool", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("You are Claude Code.", messages[0].GetProperty("content").GetString());
        Assert.Equal("Available agent types: general.", messages[2].GetProperty("content").GetString());
        Assert.Equal("high", body.GetProperty("reasoning_effort").GetString());
        Assert.Equal(64000, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal(2, body.GetProperty("tools").GetArrayLength());
        AssertNoAnthropicOnlyFields(body, "thinking", "max_tokens", "tool_stream");
    }

    private static void AssertNoAnthropicOnlyFields(JsonElement body, params string[] alsoAbsent)
    {
        var raw = body.GetRawText();
        foreach (var field in new[] { "context_management", "output_config", "metadata", "container", "mcp_servers", "service_tier", "system" }.Concat(alsoAbsent))
        {
            Assert.False(body.TryGetProperty(field, out _), $"{field} was sent: {raw}");
        }

        foreach (var text in new[] { "cache_control", "x-anthropic-billing-header", "redacted_thinking", "server_tool_use", "srvtoolu_1", "container_upload", "web_search_20250305", "defer_loading", "device_id" })
        {
            Assert.DoesNotContain(text, raw, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OpenAiClient_AnthropicPool_DeveloperUnknownRolesPartsAndFieldsAccepted()
    {
        const string Body = """
            {"model":"gpt-pool","messages":[
               {"role":"developer","content":"Be terse."},
               {"role":"user","content":[{"type":"text","text":"hi"},{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]},
               {"role":"assistant","content":null},
               {"role":"function","name":"f","content":"sunny"},
               {"role":"system","content":[{"type":"text","text":"Late system."}]}],
             "tools":[{"type":"web_search_preview"},{"type":"function","function":{"name":"Read","parameters":{"type":"object"}}}],
             "reasoning_effort":"high","response_format":{"type":"text"},"seed":1,"store":false,"prompt_cache_key":"k"}
            """;
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(new GatewayConfig
        {
            ModelList = [Configs.Http("gpt-pool", "dep-a", upstream.BaseUrl, "sk-upstream", "anthropic", "claude-sonnet-4-5")],
        });

        using var response = await gateway.Client.SendAsync(Post("/v1/chat/completions", Body));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("recorded", JsonDocument.Parse(text).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        var sent = JsonDocument.Parse(Assert.Single(upstream.Requests).Body).RootElement;
        Assert.Equal("Be terse.\n\nLate system.", sent.GetProperty("system").GetString());
        var messages = sent.GetProperty("messages");
        Assert.Equal(1, messages.GetArrayLength());
        Assert.Equal(["hi", "sunny"], messages[0].GetProperty("content").EnumerateArray().Select(b => b.GetProperty("text").GetString()));
        Assert.Equal("Read", Assert.Single(sent.GetProperty("tools").EnumerateArray()).GetProperty("name").GetString());
        foreach (var field in new[] { "reasoning_effort", "response_format", "seed", "store", "prompt_cache_key" })
        {
            Assert.False(sent.TryGetProperty(field, out _), $"{field} was sent: {sent.GetRawText()}");
        }
    }
}
