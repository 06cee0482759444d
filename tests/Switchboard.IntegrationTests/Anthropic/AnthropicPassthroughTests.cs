using System.Net;
using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Anthropic.AnthropicKit;

namespace Switchboard.IntegrationTests.Anthropic;

/// <summary>The official Anthropic client against a pool of <c>anthropic/</c> deployments (the mock's Anthropic mode): bytes pass through, the model is echoed.</summary>
public sealed class AnthropicPassthroughTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4, RecordHeaders = ["anthropic-beta", "anthropic-version"] },
            CancellationToken.None);
        _gateway = await TestGateway.StartAsync(AnthropicPool(_mock.BaseUrl, "ok-p1"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mock.DisposeAsync();
    }

    [Fact]
    public async Task Create_NonStream_UpstreamSeesItsModelClientSeesClaudeName()
    {
        var message = await Client(_gateway).Messages.Create(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 1000,
            Messages = [new UserMessageParam("Hello there")],
        });

        Assert.Equal(Sonnet, message.Model.Raw());
        Assert.True(Assert.Single(message.Content).TryPickText(out var text));
        // The mock names the model it was asked for: the deployment's upstream model, swapped in by the gateway.
        Assert.Equal("Hello from mock deployment ok-p1 (model glm-4.6)", text.Text);
        Assert.Equal("end_turn", message.StopReason?.Raw());
        Assert.Equal(4, message.Usage.OutputTokens);
        Assert.Equal(1, _mock.Stats["ok-p1"].Calls);
    }

    [Fact]
    public async Task ClaudeCodeBetas_ReachAnthropicWithTheBody()
    {
        // Claude Code's context_management, system messages among messages and deferred tools are refused without their
        // betas: on passthrough the client's anthropic-beta and anthropic-version go on with its bytes.
        const string Betas = "claude-code-20250219,context-management-2025-06-27,mid-conversation-system-2026-04-07";
        using var request = Post("/v1/messages?beta=true", Messages(Sonnet, "Hello there", stream: true,
            extra: ""","context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]}"""));
        request.Headers.Remove("anthropic-beta");
        request.Headers.Remove("anthropic-version");
        request.Headers.Add("anthropic-beta", Betas);
        request.Headers.Add("anthropic-version", "2023-01-01");

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertWellFormed(await response.Content.ReadAsStringAsync());
        var recorded = _mock.RecordedHeaders.ToDictionary(h => h.Key, h => h.Value);
        Assert.Equal(Betas, recorded["anthropic-beta"]);
        Assert.Equal("2023-01-01", recorded["anthropic-version"]);
    }

    [Fact]
    public async Task NoBetas_NoneSentAndTheDefaultVersion()
    {
        using var request = Post("/v1/messages", Messages(Sonnet, "Hello there", stream: false));
        request.Headers.Remove("anthropic-version");
        request.Headers.Remove("anthropic-beta");

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(_mock.RecordedHeaders, h => h.Key == "anthropic-beta");
        Assert.Equal("2023-06-01", Assert.Single(_mock.RecordedHeaders, h => h.Key == "anthropic-version").Value);
    }

    [Fact]
    public async Task CreateStreaming_ToolUse_AggregatesToolInputAndEchoesModel()
    {
        var schema = new InputSchema { Properties = new Dictionary<string, JsonElement> { ["file_path"] = JsonDocument.Parse("""{"type":"string"}""").RootElement } };

        var message = await Client(_gateway).Messages.CreateStreaming(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 1000,
            Tools = [new Tool { Name = "Read", InputSchema = schema }],
            Messages = [new UserMessageParam("""mock-tool:Read {"file_path":"/tmp/x/a.txt"}""")],
        }).Aggregate();

        Assert.Equal(Sonnet, message.Model.Raw());
        Assert.Equal("tool_use", message.StopReason?.Raw());
        Assert.True(Assert.Single(message.Content).TryPickToolUse(out var use));
        Assert.Equal("Read", use.Name);
        Assert.False(string.IsNullOrEmpty(use.ID));
        Assert.Equal("/tmp/x/a.txt", use.Input["file_path"].GetString());
    }

    [Fact]
    public async Task ToolResult_SecondTurn_AnswerMentionsResult()
    {
        var message = await Client(_gateway).Messages.Create(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 1000,
            Tools = [new Tool { Name = "Read", InputSchema = new InputSchema() }],
            Messages =
            [
                new UserMessageParam("""mock-tool:Read {"file_path":"/tmp/x/a.txt"}"""),
                new AssistantMessageParam
                {
                    Content = new List<ContentBlockParam>
                    {
                        new ToolUseBlockParam { ID = "toolu_01", Name = "Read", Input = new Dictionary<string, JsonElement> { ["file_path"] = JsonDocument.Parse("\"/tmp/x/a.txt\"").RootElement } },
                    },
                },
                new UserMessageParam { Content = new List<ContentBlockParam> { new ToolResultBlockParam { ToolUseID = "toolu_01", Content = "passthrough file body" } } },
            ],
        });

        Assert.True(Assert.Single(message.Content).TryPickText(out var text));
        Assert.Contains("passthrough file body", text.Text);
    }

    [Fact]
    public async Task Thinking_NonStreamAndStream_ThinkingBlockWithSignatureBeforeText()
    {
        var parameters = new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 4000,
            Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 },
            Messages = [new UserMessageParam("Hello there")],
        };
        var client = Client(_gateway);

        var plain = await client.Messages.Create(parameters);
        var streamed = await client.Messages.CreateStreaming(parameters).Aggregate();

        foreach (var message in new[] { plain, streamed })
        {
            Assert.Equal(Sonnet, message.Model.Raw());
            Assert.Equal(2, message.Content.Count);
            Assert.True(message.Content[0].TryPickThinking(out var thinking));
            Assert.Contains("ok-p1", thinking.Thinking);
            Assert.False(string.IsNullOrEmpty(thinking.Signature));
            Assert.True(message.Content[1].TryPickText(out var text));
            Assert.Equal("Hello from mock deployment ok-p1 (model glm-4.6)", text.Text);
        }
    }

    [Fact]
    public async Task RawStream_BetaQuery_WellFormedAndModelEchoed()
    {
        using var response = await _gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "Hello there", stream: true,
            ""","context_management":{"edits":[]},"output_config":{"effort":"low"}""")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(Header(response, "request-id")));
        var events = AssertWellFormed(await response.Content.ReadAsStringAsync());
        Assert.Equal(Sonnet, events[0].Data.GetProperty("message").GetProperty("model").GetString());
    }

    [Fact]
    public async Task UpstreamRateLimited_429RateLimitErrorInAnthropicShape()
    {
        await using var gateway = await TestGateway.StartAsync(AnthropicPool(_mock.BaseUrl, "rl-p2") with { Router = new Config.RouterSettings { NumRetries = 0 } });

        using var response = await gateway.Client.SendAsync(Post("/v1/messages", Messages(Sonnet, "hi", stream: false)));

        await AssertErrorAsync(response, 429, "rate_limit_error");
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
