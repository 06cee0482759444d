#pragma warning disable OPENAI001 // The Responses client is marked experimental in the OpenAI package.
using System.ClientModel;
using System.Text;
using System.Text.Json;
using OpenAI.Responses;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Responses;

/// <summary>
/// The official OpenAI client's Responses API against the gateway, over an <c>openai/</c> pool (the pivot as is) and an
/// <c>anthropic/</c> pool (the pivot composed with the pivot ⇄ Anthropic pair): text, stream, and a function-calling
/// round trip, with the history sent back whole and by <c>previous_response_id</c>.
/// </summary>
public abstract class ResponsesClientTests(string provider) : IAsyncLifetime
{
    private const string Tool = "get_weather";
    private MockProviderServer _mock = null!;
    private TestGateway _gateway = null!;

    private string Key => "ok-resp-" + provider;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);
        _gateway = await TestGateway.StartAsync(Configs.Of(Configs.Http("pool", "dep-" + provider, _mock.BaseUrl, Key, provider: provider)));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mock.DisposeAsync();
    }

    private ResponsesClient Client() =>
        new(new ApiKeyCredential("sk-client"), new ResponsesClientOptions { Endpoint = new Uri(_gateway.BaseUrl, "/v1") });

    private static CreateResponseOptions WithTool(params ResponseItem[] items)
    {
        var options = new CreateResponseOptions("pool", items);
        options.Tools.Add(ResponseTool.CreateFunctionTool(Tool,
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}"""), strictModeEnabled: false, "Weather of a city"));
        return options;
    }

    private string Greeting => $"Hello from mock deployment {Key} (model glm-4.6)";

    [Fact]
    public async Task CreateResponse_NonStream_TextStatusAndUsage()
    {
        ResponseResult response = await Client().CreateResponseAsync("pool", "Hello there");

        Assert.Equal(Greeting, response.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal("pool", response.Model);
        Assert.StartsWith("resp_", response.Id);
        Assert.Equal(4, response.Usage.OutputTokenCount);
        Assert.True(response.Usage.InputTokenCount > 0);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
        Assert.Equal(1, _mock.Stats[Key].Calls);
    }

    [Fact]
    public async Task CreateResponseStreaming_Text_DeltasAddUpToTheCompletedResponse()
    {
        var text = new StringBuilder();
        var sequence = new List<int>();
        ResponseResult? completed = null;

        await foreach (var update in await Client().CreateResponseStreamingAsync("pool", "Hello there"))
        {
            sequence.Add(update.SequenceNumber);
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
            else if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.Equal(Greeting, text.ToString());
        Assert.NotNull(completed);
        Assert.Equal(Greeting, completed.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, completed.Status);
        Assert.Equal(4, completed.Usage.OutputTokenCount);
        Assert.Equal(Enumerable.Range(0, sequence.Count), sequence);
    }

    [Fact]
    public async Task CreateResponse_FunctionCall_ThenOutput_AnswerQuotesTheOutput()
    {
        var client = Client();
        var user = ResponseItem.CreateUserMessageItem("""What is the weather? mock-tool:get_weather {"city":"Paris"}""");

        ResponseResult first = await client.CreateResponseAsync(WithTool(user));

        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(first.OutputItems));
        Assert.Equal(Tool, call.FunctionName);
        Assert.False(string.IsNullOrEmpty(call.CallId));
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments.ToString()).RootElement.GetProperty("city").GetString());

        ResponseResult second = await client.CreateResponseAsync(WithTool(user, call, ResponseItem.CreateFunctionCallOutputItem(call.CallId, "sunny, 21 degrees")));

        Assert.Equal(ResponseStatus.Completed, second.Status);
        Assert.Contains("sunny, 21 degrees", second.GetOutputText());
    }

    [Fact]
    public async Task CreateResponseStreaming_FunctionCall_ThenOutputByPreviousResponseId_AnswerQuotesTheOutput()
    {
        var client = Client();
        var arguments = new StringBuilder();
        FunctionCallResponseItem? call = null;
        string? responseId = null;
        var streaming = WithTool(ResponseItem.CreateUserMessageItem("""What is the weather? mock-tool:get_weather {"city":"Oslo"}"""));
        streaming.StreamingEnabled = true;
        await foreach (var update in await client.CreateResponseStreamingAsync(streaming))
        {
            if (update is StreamingResponseFunctionCallArgumentsDeltaUpdate delta)
            {
                arguments.Append(delta.Delta.ToString());
            }
            else if (update is StreamingResponseOutputItemDoneUpdate { Item: FunctionCallResponseItem done })
            {
                call = done;
            }
            else if (update is StreamingResponseCompletedUpdate completed)
            {
                responseId = completed.Response.Id;
            }
        }

        Assert.NotNull(call);
        Assert.NotNull(responseId);
        Assert.Equal(call.FunctionArguments.ToString(), arguments.ToString());
        Assert.Equal("Oslo", JsonDocument.Parse(arguments.ToString()).RootElement.GetProperty("city").GetString());

        // Only the output goes back: the call and the question come from the stored response.
        var options = WithTool(ResponseItem.CreateFunctionCallOutputItem(call.CallId, "snow, -3 degrees"));
        options.PreviousResponseId = responseId;
        ResponseResult second = await client.CreateResponseAsync(options);

        Assert.Contains("snow, -3 degrees", second.GetOutputText());
        Assert.Equal(responseId, second.PreviousResponseId);
    }

    [Fact]
    public async Task GetAndDeleteResponse_StoredResponse_FoundThenGone()
    {
        var client = Client();
        ResponseResult created = await client.CreateResponseAsync("pool", "Hello there");

        ResponseResult fetched = await client.GetResponseAsync(created.Id);
        Assert.Equal(created.Id, fetched.Id);
        Assert.Equal(Greeting, fetched.GetOutputText());

        await client.DeleteResponseAsync(created.Id);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(created.Id));
        Assert.Equal(404, gone.Status);
    }
}

public sealed class ResponsesClientOpenAiPoolTests() : ResponsesClientTests("openai");

public sealed class ResponsesClientAnthropicPoolTests() : ResponsesClientTests("anthropic");
