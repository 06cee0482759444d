using System.ClientModel;
using System.Text;
using OpenAI;
using OpenAI.Chat;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Anthropic;

/// <summary>The official OpenAI client against a pool of <c>anthropic/</c> deployments: chat completions translated to Messages and back.</summary>
public sealed class OpenAiClientAnthropicPoolTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);
        _gateway = await TestGateway.StartAsync(Configs.Of(Configs.Http("claude-pool", "dep-ok-o1", _mock.BaseUrl, "ok-o1", provider: "anthropic")));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mock.DisposeAsync();
    }

    private ChatClient Chat() =>
        new("claude-pool", new ApiKeyCredential("sk-client"), new OpenAIClientOptions { Endpoint = new Uri(_gateway.BaseUrl, "/v1") });

    private static ChatCompletionOptions ReadTool()
    {
        var options = new ChatCompletionOptions();
        options.Tools.Add(ChatTool.CreateFunctionTool("Read", "Reads a file",
            BinaryData.FromString("""{"type":"object","properties":{"file_path":{"type":"string"}}}""")));
        return options;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CompleteChat_ImageDataUrlNotBase64_400BeforeAnyUpstreamCall(bool stream)
    {
        var body = $$$"""{"model":"claude-pool","stream":{{{(stream ? "true" : "false")}}},"messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,@@@"}}]}]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };

        using var response = await _gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, text);
        var error = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("not valid base64", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _mock.Stats["ok-o1"].Calls);
    }

    [Fact]
    public async Task CompleteChat_NonStream_TextAndUsage()
    {
        ChatCompletion completion = await Chat().CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hello there")]);

        Assert.Equal("Hello from mock deployment ok-o1 (model glm-4.6)", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal("claude-pool", completion.Model);
        Assert.Equal(4, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.Equal(1, _mock.Stats["ok-o1"].Calls);
    }

    [Fact]
    public async Task CompleteChatStreaming_Text_ReassemblesTextAndFinish()
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;

        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("Hello there")]))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello from mock deployment ok-o1 (model glm-4.6)", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
    }

    [Fact]
    public async Task CompleteChat_ToolCall_ThenToolResult_Answers()
    {
        var client = Chat();
        List<ChatMessage> messages = [new UserChatMessage("""please mock-tool:Read {"file_path":"/tmp/x/a.txt"}""")];

        ChatCompletion first = await client.CompleteChatAsync(messages, ReadTool());

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("Read", call.FunctionName);
        Assert.False(string.IsNullOrEmpty(call.Id));
        Assert.Equal("""{"file_path":"/tmp/x/a.txt"}""", call.FunctionArguments.ToString());

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "file says forty-two"));
        ChatCompletion second = await client.CompleteChatAsync(messages, ReadTool());

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.Contains("file says forty-two", second.Content[0].Text);
    }

    [Fact]
    public async Task CompleteChatStreaming_ToolCall_ReassemblesArguments()
    {
        var arguments = new StringBuilder();
        string? name = null;
        string? id = null;
        ChatFinishReason? finish = null;

        await foreach (var update in Chat().CompleteChatStreamingAsync(
            [new UserChatMessage("""please mock-tool:Read {"file_path":"/tmp/x/a.txt"}""")], ReadTool()))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                name ??= part.FunctionName;
                id ??= part.ToolCallId;
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal("Read", name);
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal("/tmp/x/a.txt", System.Text.Json.JsonDocument.Parse(arguments.ToString()).RootElement.GetProperty("file_path").GetString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }
}
