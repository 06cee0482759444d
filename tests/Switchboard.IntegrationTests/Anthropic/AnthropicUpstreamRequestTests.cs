using System.Net;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using static Switchboard.IntegrationTests.Anthropic.AnthropicKit;

namespace Switchboard.IntegrationTests.Anthropic;

/// <summary>What the upstream really receives for a Claude Code request: the deployment's key and model, no client secrets, no Anthropic-only fields on OpenAI upstreams.</summary>
public sealed class AnthropicUpstreamRequestTests
{
    private const string ClaudeCodeBody = """
        {"model":"claude-sonnet-4-5-20250929","max_tokens":32000,
         "system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
         "messages":[{"role":"user","content":[{"type":"text","text":"Hello there","cache_control":{"type":"ephemeral"}}]}],
         "tools":[{"name":"Read","description":"Reads a file","input_schema":{"type":"object","properties":{"file_path":{"type":"string"}}}}],
         "metadata":{"user_id":"user_abc_account__session_123"},
         "thinking":{"type":"enabled","budget_tokens":31999,"display":"omitted"},
         "context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},
         "output_config":{"effort":"high"},
         "some_future_field":{"x":1}}
        """;

    private static GatewayConfig Single(Uri upstream, string provider) => new()
    {
        ModelList = [Configs.Http("claude-*", "dep-rec", upstream, "sk-upstream-deployment-key", provider)],
    };

    [Fact]
    public async Task OpenAiUpstream_GetsTranslatedBodyWithoutAnthropicOnlyFieldsOrClientCredentials()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Single(upstream.BaseUrl, "openai"));

        using var response = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", ClaudeCodeBody));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("recorded", JsonDocument.Parse(text).RootElement.GetProperty("content")[0].GetProperty("text").GetString());
        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal("Bearer sk-upstream-deployment-key", sent.Headers["authorization"]);
        Assert.DoesNotContain("sk-client-anything", string.Join("\n", sent.Headers.Values));
        Assert.False(sent.Headers.ContainsKey("anthropic-beta"));
        Assert.False(sent.Headers.ContainsKey("x-api-key"));
        var body = JsonDocument.Parse(sent.Body).RootElement;
        Assert.Equal("glm-4.6", body.GetProperty("model").GetString());
        foreach (var anthropicOnly in new[] { "context_management", "output_config", "some_future_field", "metadata", "system" })
        {
            Assert.False(body.TryGetProperty(anthropicOnly, out _), $"{anthropicOnly} was forwarded: {sent.Body}");
        }

        Assert.DoesNotContain("user_abc_account__session_123", sent.Body);
        Assert.DoesNotContain("cache_control", sent.Body);
        Assert.Equal("enabled", body.GetProperty("thinking").GetProperty("type").GetString());
        Assert.Equal("system", body.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("Read", body.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task AnthropicUpstream_GetsSameBodyWithModelAndKeySwapped()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Single(upstream.BaseUrl, "anthropic"));

        using var response = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", ClaudeCodeBody));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(Sonnet, JsonDocument.Parse(text).RootElement.GetProperty("model").GetString());
        var sent = Assert.Single(upstream.Requests);
        Assert.StartsWith("/v1/messages", sent.Path);
        Assert.DoesNotContain("sk-client-anything", string.Join("\n", sent.Headers.Values));
        Assert.Contains("sk-upstream-deployment-key", sent.Headers.GetValueOrDefault("x-api-key", "") + sent.Headers.GetValueOrDefault("authorization", ""));
        var body = JsonDocument.Parse(sent.Body).RootElement;
        Assert.Equal("glm-4.6", body.GetProperty("model").GetString());
        // Passthrough: everything else is the client's own bytes, fields the gateway does not know included.
        Assert.Equal("clear_thinking_20251015", body.GetProperty("context_management").GetProperty("edits")[0].GetProperty("type").GetString());
        Assert.Equal(32000, body.GetProperty("max_tokens").GetInt32());
    }
}
