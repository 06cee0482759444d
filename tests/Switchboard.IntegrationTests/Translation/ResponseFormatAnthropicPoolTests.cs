using System.ClientModel;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Translation;

/// <summary>
/// A JSON <c>response_format</c> onto an <c>anthropic/</c> pool, over real sockets: the gateway asks for the answer as a
/// forced tool's input (Anthropic has no JSON mode), the mock calls that tool as a real model must, and the client gets
/// the JSON as plain text with a plain stop, whole and streamed.
/// </summary>
public sealed class ResponseFormatAnthropicPoolTests : IAsyncLifetime
{
    private const string Schema = """{"type":"object","properties":{"model_choice":{"type":"string","enum":["flash","pro"]},"reasoning":{"type":"string"}},"required":["model_choice","reasoning"]}""";
    private MockProviderServer _mock = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);
        _gateway = await TestGateway.StartAsync(Configs.Of(Configs.Http("claude-pool", "dep-json", _mock.BaseUrl, "ok-json", provider: "anthropic")));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mock.DisposeAsync();
    }

    private ChatClient Chat() =>
        new("claude-pool", new ApiKeyCredential("sk-client"), new OpenAIClientOptions { Endpoint = new Uri(_gateway.BaseUrl, "/v1") });

    private static ChatCompletionOptions JsonSchema() => new()
    {
        ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("router", BinaryData.FromString(Schema)),
    };

    [Fact]
    public async Task CompleteChat_JsonSchema_AnswersJsonTextWithStop()
    {
        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage("Which model?")], JsonSchema());

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Empty(completion.ToolCalls);
        using var answer = JsonDocument.Parse(completion.Content[0].Text);
        Assert.Equal("flash", answer.RootElement.GetProperty("model_choice").GetString());
        Assert.Contains("Hello from mock deployment ok-json", answer.RootElement.GetProperty("reasoning").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteChatStreaming_JsonSchema_StreamsJsonAsTextDeltas()
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        var toolCallUpdates = 0;

        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("Which model?")], JsonSchema()))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            toolCallUpdates += update.ToolCallUpdates.Count;
            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal(0, toolCallUpdates);
        using var answer = JsonDocument.Parse(text.ToString());
        Assert.Equal("flash", answer.RootElement.GetProperty("model_choice").GetString());
    }

    [Fact]
    public async Task CompleteChat_JsonObjectWithRealToolCalled_ToolCallStaysAToolCall()
    {
        var options = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() };
        options.Tools.Add(ChatTool.CreateFunctionTool("Read", "Reads a file", BinaryData.FromString("""{"type":"object","properties":{"file_path":{"type":"string"}}}""")));

        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage("""please mock-tool:Read {"file_path":"/tmp/a.txt"}""")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Equal("Read", Assert.Single(completion.ToolCalls).FunctionName);
    }
}
