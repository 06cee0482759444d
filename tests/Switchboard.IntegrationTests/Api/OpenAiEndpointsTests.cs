using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Api;

public sealed class OpenAiEndpointsTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await TestGateway.StartAsync(Configs.Of(
            Configs.Mock("glm-pool", "dep-a", chunks: 5, response: "one two three four five six seven eight nine ten"),
            Configs.Mock("glm-pool", "dep-b", chunks: 5, response: "one two three four five six seven eight nine ten")));

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private OpenAIClient Sdk() => new(new ApiKeyCredential("anything"), new OpenAIClientOptions { Endpoint = new Uri(_gateway.BaseUrl, "/v1") });

    [Fact]
    public async Task ChatCompletion_OfficialSdkNonStream_ReturnsMockAnswer()
    {
        var chat = Sdk().GetChatClient("glm-pool");
        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Hello!")]);
        Assert.Equal("one two three four five six seven eight nine ten", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.True(completion.Usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task ChatCompletion_OfficialSdkStream_ReassemblesText()
    {
        var chat = Sdk().GetChatClient("glm-pool");
        var text = new StringBuilder();
        var updates = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hello!")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal("one two three four five six seven eight nine ten", text.ToString());
        Assert.True(updates >= 5);
    }

    [Fact]
    public async Task Embeddings_OfficialSdk_ReturnsVectors()
    {
        var embeddings = Sdk().GetEmbeddingClient("glm-pool");
        OpenAIEmbeddingCollection result = await embeddings.GenerateEmbeddingsAsync(["a", "b"]);
        Assert.Equal(2, result.Count);
        Assert.Equal(8, result[0].ToFloats().Length);
    }

    [Fact]
    public async Task Models_OfficialSdk_ListsGroups()
    {
        var models = await Sdk().GetOpenAIModelClient().GetModelsAsync();
        Assert.Contains(models.Value, m => m.Id == "glm-pool");
    }

    [Fact]
    public async Task ChatCompletion_ResponseHeaders_NameDeploymentGroupAndTimings()
    {
        using var request = Post("/v1/chat/completions", """{"model":"glm-pool","messages":[{"role":"user","content":"hi"}]}""");
        request.Headers.Add("x-litellm-call-id", "my-call-1");
        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("my-call-1", Header(response, "x-litellm-call-id"));
        Assert.Contains(Header(response, "x-litellm-model-id"), new[] { "dep-a", "dep-b" });
        Assert.Equal("glm-pool", Header(response, "x-litellm-model-group"));
        Assert.True(double.Parse(Header(response, "x-litellm-response-duration-ms")!, System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.True(double.Parse(Header(response, "x-litellm-overhead-duration-ms")!, System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.Equal("0", Header(response, "x-litellm-attempted-retries"));
    }

    [Fact]
    public async Task ChatCompletion_NoAuthorizationHeader_AcceptedInOpenMode()
    {
        using var response = await _gateway.Client.PostAsync("/chat/completions",
            new StringContent("""{"model":"glm-pool","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ChatCompletion_RoundRobin_AlternatesDeployments()
    {
        var seen = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await _gateway.Client.SendAsync(Post("/v1/chat/completions", """{"model":"glm-pool","messages":[{"role":"user","content":"hi"}]}"""));
            seen.Add(Header(response, "x-litellm-model-id")!);
        }

        Assert.Equal(2, seen.Count(s => s == "dep-a"));
        Assert.Equal(2, seen.Count(s => s == "dep-b"));
    }

    [Theory]
    [InlineData("{not json", 400, "invalid_request_error")]
    [InlineData("[1,2]", 400, "invalid_request_error")]
    [InlineData("""{"messages":[]}""", 400, "invalid_request_error")]
    [InlineData("""{"model":42,"messages":[]}""", 400, "invalid_request_error")]
    [InlineData("""{"model":"no-such-model","messages":[]}""", 400, "invalid_request_error")]
    public async Task ChatCompletion_BadInput_OpenAiShapedError(string body, int status, string type)
    {
        using var response = await _gateway.Client.SendAsync(Post("/v1/chat/completions", body));
        Assert.Equal(status, (int)response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task ChatCompletion_UnknownModel_ListsKnownGroups()
    {
        using var response = await _gateway.Client.SendAsync(Post("/v1/chat/completions", """{"model":"gpt-5","messages":[]}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("glm-pool", text, StringComparison.Ordinal);
        Assert.Contains("gpt-5", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletion_BodyOverLimit_413()
    {
        var big = new string('x', 17 * 1024 * 1024);
        using var response = await _gateway.Client.SendAsync(Post("/v1/chat/completions", "{\"model\":\"glm-pool\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task WrongMethod_405_OpenAiError()
    {
        using var response = await _gateway.Client.GetAsync("/v1/chat/completions");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task UnknownPath_404_OpenAiError()
    {
        using var response = await _gateway.Client.GetAsync("/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("not_found_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Root_AndHealth_Answer200WithMaskedKeys()
    {
        using var root = await _gateway.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        using var head = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        var health = await _gateway.Client.GetStringAsync("/health");
        Assert.Contains("dep-a", health, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", health, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetAsync("/health/liveliness")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetAsync("/health/readiness")).StatusCode);
    }

    [Fact]
    public async Task Stream_WithoutIncludeUsage_ClientSeesNoUsageChunk()
    {
        using var response = await _gateway.Client.SendAsync(Post("/v1/chat/completions", """{"model":"glm-pool","stream":true,"messages":[{"role":"user","content":"hi"}]}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("\"usage\"", text, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_WithIncludeUsage_ClientGetsUsageChunk()
    {
        using var response = await _gateway.Client.SendAsync(Post("/v1/chat/completions",
            """{"model":"glm-pool","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"usage\"", text, StringComparison.Ordinal);
    }

    internal static HttpRequestMessage Post(string path, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Authorization", "Bearer anything");
        return request;
    }

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First() : null;
}
