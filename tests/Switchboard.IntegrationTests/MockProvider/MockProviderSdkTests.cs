using System.ClientModel;
using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>The official OpenAI and Anthropic .NET clients read the mock's answers as they read the real providers'.</summary>
public sealed class MockProviderSdkTests(MockProviderHarness mock) : IClassFixture<MockProviderHarness>
{
    private OpenAIClientOptions OpenAiOptions => new() { Endpoint = new Uri(mock.Server.BaseUrl, "/v1") };

    private AnthropicClient Anthropic(string key) => new() { ApiKey = key, BaseUrl = mock.Server.BaseUrl.ToString(), MaxRetries = 0 };

    [Fact]
    public async Task OpenAiChatClient_NonStream_ReadsTextAndUsage()
    {
        var client = new ChatClient("glm-4.6", new ApiKeyCredential("ok-sdk1"), OpenAiOptions);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Hello there")]);

        Assert.Equal("Hello from mock deployment ok-sdk1 (model glm-4.6)", completion.Content[0].Text);
        Assert.Equal("glm-4.6", completion.Model);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(8, completion.Usage.OutputTokenCount);
        Assert.Equal(3, completion.Usage.InputTokenCount);
    }

    [Fact]
    public async Task OpenAiChatClient_Stream_ReassemblesTextAndUsage()
    {
        var client = new ChatClient("glm-4.6", new ApiKeyCredential("ok-sdk2"), OpenAiOptions);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hello there")]))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello from mock deployment ok-sdk2 (model glm-4.6)", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(8, usage.OutputTokenCount);
    }

    [Fact]
    public async Task OpenAiChatClient_StreamToolCall_ReassemblesArguments()
    {
        var client = new ChatClient("glm-4.6", new ApiKeyCredential("ok-sdk3"), OpenAiOptions);
        var options = new ChatCompletionOptions();
        options.Tools.Add(ChatTool.CreateFunctionTool("Read", "Reads a file", BinaryData.FromString("""{"type":"object"}""")));
        var arguments = new StringBuilder();
        string? name = null;
        string? id = null;
        ChatFinishReason? finish = null;

        await foreach (var update in client.CompleteChatStreamingAsync(
            [new UserChatMessage("""please mock-tool:Read {"file_path":"/tmp/x/a.txt"}""")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                name ??= call.FunctionName;
                id ??= call.ToolCallId;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal("Read", name);
        Assert.StartsWith("call_", id);
        Assert.Equal("""{"file_path":"/tmp/x/a.txt"}""", arguments.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task OpenAiEmbeddingClient_DefaultBase64_DecodesDeterministicVectors()
    {
        var client = new EmbeddingClient("text-embedding-3-small", new ApiKeyCredential("ok-sdk4"), OpenAiOptions);

        OpenAIEmbedding first = await client.GenerateEmbeddingAsync("hello");
        OpenAIEmbedding again = await client.GenerateEmbeddingAsync("hello");

        var vector = first.ToFloats().ToArray();
        Assert.Equal(8, vector.Length);
        Assert.Equal(vector, again.ToFloats().ToArray());
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(x => (double)x * x)), 3);
    }

    [Fact]
    public async Task AnthropicClient_NonStream_ReadsTextAndUsage()
    {
        var client = Anthropic("ok-sdk5");

        var message = await client.Messages.Create(new MessageCreateParams
        {
            Model = "claude-sonnet-4-5",
            MaxTokens = 100,
            Messages = [new UserMessageParam("Hello there")],
        });

        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("Hello from mock deployment ok-sdk5 (model claude-sonnet-4-5)", text.Text);
        Assert.Equal(8, message.Usage.OutputTokens);
        Assert.Equal(3, message.Usage.InputTokens);
    }

    [Fact]
    public async Task AnthropicClient_StreamWithThinking_AggregatesThinkingAndText()
    {
        var client = Anthropic("ok-sdk6");

        var message = await client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = "claude-sonnet-4-5",
            MaxTokens = 2000,
            Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 },
            Messages = [new UserMessageParam("Hello there")],
        }).Aggregate();

        Assert.Equal(2, message.Content.Count);
        Assert.True(message.Content[0].TryPickThinking(out var thinking));
        Assert.Contains("ok-sdk6", thinking.Thinking);
        Assert.True(message.Content[1].TryPickText(out var text));
        Assert.Equal("Hello from mock deployment ok-sdk6 (model claude-sonnet-4-5)", text.Text);
        Assert.Equal(11, message.Usage.OutputTokens);
    }

    [Fact]
    public async Task AnthropicClient_StreamToolUse_AggregatesToolInput()
    {
        var client = Anthropic("ok-sdk7");
        var schema = new InputSchema
        {
            Properties = new Dictionary<string, JsonElement> { ["file_path"] = JsonDocument.Parse("""{"type":"string"}""").RootElement },
        };

        var message = await client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = "claude-sonnet-4-5",
            MaxTokens = 2000,
            Tools = [new Tool { Name = "Read", InputSchema = schema }],
            Messages = [new UserMessageParam("""mock-tool:Read {"file_path":"/tmp/x/a.txt"}""")],
        }).Aggregate();

        Assert.Equal("tool_use", message.StopReason?.Raw());
        Assert.True(Assert.Single(message.Content).TryPickToolUse(out var toolUse));
        Assert.Equal("Read", toolUse.Name);
        Assert.Equal("/tmp/x/a.txt", toolUse.Input["file_path"].GetString());
    }

    [Fact]
    public async Task AnthropicClient_CountTokens_ReadsRoughCount()
    {
        var client = Anthropic("ok-sdk8");

        var count = await client.Messages.CountTokens(new MessageCountTokensParams
        {
            Model = "claude-sonnet-4-5",
            Messages = [new UserMessageParam("abcdefgh")],
        });

        Assert.Equal(3, count.InputTokens);
    }
}
