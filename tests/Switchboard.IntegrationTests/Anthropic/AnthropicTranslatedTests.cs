using System.Net;
using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Anthropic.AnthropicKit;

namespace Switchboard.IntegrationTests.Anthropic;

/// <summary>
/// The official Anthropic client against a pool of OpenAI-format deployments (the mock provider): every Messages
/// feature Claude Code uses goes through the translation both ways over real sockets.
/// </summary>
public sealed class AnthropicTranslatedTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);
        _gateway = await TestGateway.StartAsync(ClaudePool(_mock.BaseUrl, "ok-t1"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mock.DisposeAsync();
    }

    private static InputSchema Schema(string property) => new()
    {
        Properties = new Dictionary<string, JsonElement> { [property] = JsonDocument.Parse("""{"type":"string"}""").RootElement },
    };

    [Fact]
    public async Task Create_NonStream_ReturnsMockTextAndEchoesClaudeModel()
    {
        var message = await Client(_gateway).Messages.Create(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 1000,
            Messages = [new UserMessageParam("Hello there")],
        });

        Assert.Equal(Sonnet, message.Model.Raw());
        Assert.True(Assert.Single(message.Content).TryPickText(out var text));
        Assert.Equal("Hello from mock deployment ok-t1 (model glm-4.6)", text.Text);
        Assert.Equal("end_turn", message.StopReason?.Raw());
        Assert.StartsWith("msg_", message.ID);
        Assert.Equal(4, message.Usage.OutputTokens);
        Assert.True(message.Usage.InputTokens > 0);
    }

    [Fact]
    public async Task Create_ModelGroupAlias_EchoesTheAliasClientAsked()
    {
        var config = new Config.GatewayConfig
        {
            ModelList = [Configs.Http("glm-pool", "dep-alias", _mock.BaseUrl, "ok-alias")],
            Router = new Config.RouterSettings { ModelGroupAlias = new Dictionary<string, string> { [Sonnet] = "glm-pool" } },
        };
        await using var gateway = await TestGateway.StartAsync(config);

        var message = await Client(gateway).Messages.Create(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 1000,
            Messages = [new UserMessageParam("Hello there")],
        });

        Assert.Equal(Sonnet, message.Model.Raw());
        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("Hello from mock deployment ok-alias (model glm-4.6)", text.Text);
    }

    [Fact]
    public async Task CreateStreaming_Text_AggregatesMockTextAndEchoesModel()
    {
        var message = await Client(_gateway).Messages.CreateStreaming(new MessageCreateParams
        {
            Model = "claude-haiku-4-5-20251001",
            MaxTokens = 1000,
            Messages = [new UserMessageParam("Hello there")],
        }).Aggregate();

        Assert.Equal("claude-haiku-4-5-20251001", message.Model.Raw());
        Assert.True(Assert.Single(message.Content).TryPickText(out var text));
        Assert.Equal("Hello from mock deployment ok-t1 (model glm-4.6)", text.Text);
        Assert.Equal("end_turn", message.StopReason?.Raw());
        Assert.Equal(4, message.Usage.OutputTokens);
    }

    [Fact]
    public async Task RawStream_BetaQuery_FollowsAnthropicEventGrammar()
    {
        using var response = await _gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "Hello there", stream: true)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType?.ToString());
        Assert.False(string.IsNullOrEmpty(Header(response, "request-id")));
        var events = AssertWellFormed(await response.Content.ReadAsStringAsync());
        Assert.Equal(Sonnet, events[0].Data.GetProperty("message").GetProperty("model").GetString());
        var text = string.Concat(events.Where(e => e.Event == "content_block_delta").Select(e => e.Data.GetProperty("delta").GetProperty("text").GetString()));
        Assert.Equal("Hello from mock deployment ok-t1 (model glm-4.6)", text);
        var delta = events.Single(e => e.Event == "message_delta").Data;
        Assert.Equal("end_turn", delta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(4, delta.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task ToolUse_TwoParallelToolsThenResults_RoundTripsIdsInputsAndAnswer()
    {
        var client = Client(_gateway);
        List<ToolUnion> tools = [new Tool { Name = "Read", InputSchema = Schema("file_path") }, new Tool { Name = "Grep", InputSchema = Schema("pattern") }];
        const string Prompt = """Look at both. mock-tool:Read {"file_path":"/tmp/x/a.txt"} mock-tool:Grep {"pattern":"TODO"}""";

        var first = await client.Messages.Create(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 1000,
            Tools = tools,
            Messages = [new UserMessageParam(Prompt)],
        });

        Assert.Equal("tool_use", first.StopReason?.Raw());
        var uses = first.Content.Select(b => b.TryPickToolUse(out var use) ? use : null).OfType<ToolUseBlock>().ToList();
        Assert.Equal(2, uses.Count);
        Assert.Equal(["Read", "Grep"], uses.Select(u => u.Name));
        Assert.All(uses, u => Assert.False(string.IsNullOrEmpty(u.ID)));
        Assert.NotEqual(uses[0].ID, uses[1].ID);
        Assert.Equal("/tmp/x/a.txt", uses[0].Input["file_path"].GetString());
        Assert.Equal("TODO", uses[1].Input["pattern"].GetString());

        // Turn 2: Claude Code sends the assistant's tool_use blocks back, then one user message with both tool results.
        var second = await client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 1000,
            Tools = tools,
            Messages =
            [
                new UserMessageParam(Prompt),
                new AssistantMessageParam
                {
                    Content = uses.Select(u => (ContentBlockParam)new ToolUseBlockParam { ID = u.ID, Name = u.Name, Input = u.Input }).ToList(),
                },
                new UserMessageParam
                {
                    Content = new List<ContentBlockParam>
                    {
                        new ToolResultBlockParam { ToolUseID = uses[0].ID, Content = "alpha file contents" },
                        new ToolResultBlockParam { ToolUseID = uses[1].ID, Content = "grep found 3 TODOs" },
                    },
                },
            ],
        }).Aggregate();

        Assert.Equal("end_turn", second.StopReason?.Raw());
        Assert.True(Assert.Single(second.Content).TryPickText(out var answer));
        Assert.StartsWith("Tool result received: ", answer.Text);
        Assert.Contains("grep found 3 TODOs", answer.Text);
    }

    [Fact]
    public async Task ToolUse_Stream_TwoParallelTools_AggregatesBothBlocks()
    {
        using var response = await _gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet,
            """mock-tool:Read {"file_path":"/tmp/x/a.txt"} mock-tool:Grep {"pattern":"TODO"}""", stream: true,
            ""","tools":[{"name":"Read","input_schema":{"type":"object"}},{"name":"Grep","input_schema":{"type":"object"}}]""")));

        var events = AssertWellFormed(await response.Content.ReadAsStringAsync());
        var starts = events.Where(e => e.Event == "content_block_start").Select(e => e.Data.GetProperty("content_block")).ToList();
        Assert.Equal(["Read", "Grep"], starts.Select(s => s.GetProperty("name").GetString()));
        Assert.All(starts, s => Assert.Equal("tool_use", s.GetProperty("type").GetString()));
        var json = new[] { 0, 1 }.Select(index => string.Concat(events
            .Where(e => e.Event == "content_block_delta" && e.Data.GetProperty("index").GetInt32() == index)
            .Select(e => e.Data.GetProperty("delta").GetProperty("partial_json").GetString()))).ToList();
        Assert.Equal("/tmp/x/a.txt", JsonDocument.Parse(json[0]).RootElement.GetProperty("file_path").GetString());
        Assert.Equal("TODO", JsonDocument.Parse(json[1]).RootElement.GetProperty("pattern").GetString());
        Assert.Equal("tool_use", events.Single(e => e.Event == "message_delta").Data.GetProperty("delta").GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Thinking_NonStream_ThinkingBlockWithSignatureBeforeText()
    {
        var message = await Client(_gateway).Messages.Create(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 4000,
            Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 },
            Messages = [new UserMessageParam("Hello there")],
        });

        Assert.Equal(2, message.Content.Count);
        Assert.True(message.Content[0].TryPickThinking(out var thinking));
        Assert.Equal("Thinking about the request to mock deployment ok-t1.", thinking.Thinking);
        Assert.False(string.IsNullOrEmpty(thinking.Signature));
        Assert.True(message.Content[1].TryPickText(out var text));
        Assert.Equal("Hello from mock deployment ok-t1 (model glm-4.6)", text.Text);
    }

    [Fact]
    public async Task Thinking_Stream_ThinkingBlockWithSignatureBeforeText()
    {
        var message = await Client(_gateway).Messages.CreateStreaming(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 4000,
            Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 },
            Messages = [new UserMessageParam("Hello there")],
        }).Aggregate();

        Assert.Equal(2, message.Content.Count);
        Assert.True(message.Content[0].TryPickThinking(out var thinking));
        Assert.Equal("Thinking about the request to mock deployment ok-t1.", thinking.Thinking);
        Assert.False(string.IsNullOrEmpty(thinking.Signature));
        Assert.True(message.Content[1].TryPickText(out var text));
        Assert.Equal("Hello from mock deployment ok-t1 (model glm-4.6)", text.Text);
    }

    [Fact]
    public async Task CountTokens_LongerInputCountsMore_AndNoUpstreamCall()
    {
        var client = Client(_gateway);
        var shortCount = await client.Messages.CountTokens(new MessageCountTokensParams
        {
            Model = Sonnet,
            Messages = [new UserMessageParam("Hello there")],
        });
        var longCount = await client.Messages.CountTokens(new MessageCountTokensParams
        {
            Model = Sonnet,
            System = "You are a careful assistant that reads files before answering.",
            Messages = [new UserMessageParam(string.Join(' ', Enumerable.Repeat("Hello there, how are you today?", 20)))],
            Tools = [new Tool { Name = "Read", InputSchema = Schema("file_path") }],
        });

        Assert.True(shortCount.InputTokens > 0);
        Assert.True(longCount.InputTokens > shortCount.InputTokens + 100, $"{shortCount.InputTokens} vs {longCount.InputTokens}");
        Assert.Equal(0, _mock.Stats.Total);
    }

    [Fact]
    public async Task CountTokens_BetaQueryWithClaudeCodeHeaders_CountsLocally()
    {
        using var response = await _gateway.Client.SendAsync(Post("/v1/messages/count_tokens?beta=true",
            """{"model":"claude-sonnet-4-5-20250929","messages":[{"role":"user","content":"Hello there, count me"}],"context_management":{"edits":[]}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("input_tokens").GetInt32() > 0);
        Assert.Equal(0, _mock.Stats.Total);
    }

    [Fact]
    public async Task ClaudeCodeShapedRequest_UnknownFieldsAndBetas_AcceptedAndNotForwarded()
    {
        // What Claude Code 2.1 really sends (FACTS.md and a captured call): system blocks with cache_control, metadata,
        // thinking with a field we do not know, context_management, output_config, both auth headers, junk betas.
        const string Body = """
            {"model":"claude-sonnet-4-5-20250929","max_tokens":32000,"stream":true,
             "system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
             "messages":[{"role":"user","content":[{"type":"text","text":"Hello there","cache_control":{"type":"ephemeral"}}]}],
             "tools":[{"name":"Read","description":"Reads a file","input_schema":{"type":"object","properties":{"file_path":{"type":"string"}},"required":["file_path"]}}],
             "metadata":{"user_id":"user_abc_account__session_123"},
             "thinking":{"type":"enabled","budget_tokens":31999,"display":"omitted"},
             "context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},
             "output_config":{"effort":"high"},
             "some_future_field":{"x":1}}
            """;
        using var request = Post("/v1/messages?beta=true", Body);
        request.Headers.TryAddWithoutValidation("x-claude-code-session-id", "a8f3b0ce-2edb-4790-a9b0-16b66d070730");
        request.Headers.TryAddWithoutValidation("x-stainless-retry-count", "0");

        using var response = await _gateway.Client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        var events = AssertWellFormed(text);
        Assert.Equal(["thinking", "text"], events.Where(e => e.Event == "content_block_start")
            .Select(e => e.Data.GetProperty("content_block").GetProperty("type").GetString()));
        Assert.Equal(1, _mock.Stats["ok-t1"].Calls);
    }
}
