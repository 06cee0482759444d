using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Api;

public sealed class OpenAiEndpointsTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await TestGateway.StartAsync(Configs.Of(
            Configs.Mock("glm-pool", "dep-a", chunks: 5, response: "one two three four five six seven eight nine ten"),
            Configs.Mock("glm-pool", "dep-b", chunks: 5, response: "one two three four five six seven eight nine ten"),
            Configs.Mock("team/gpt-x", "dep-t", index: 2),
            Configs.Mock("zai/*", "dep-z", index: 3)));

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

    [Theory]
    [InlineData("glm-pool")]
    [InlineData("team/gpt-x")]
    public async Task Models_OfficialSdkRetrieve_AnswersTheListedEntry(string id)
    {
        var client = Sdk().GetOpenAIModelClient();
        var before = Assert.Single((await client.GetModelsAsync()).Value, m => m.Id == id);

        OpenAIModel model = await client.GetModelAsync(id);

        var after = Assert.Single((await client.GetModelsAsync()).Value, m => m.Id == id);
        Assert.Equal(id, model.Id);
        Assert.Equal(before.OwnedBy, model.OwnedBy);
        Assert.InRange(model.CreatedAt, before.CreatedAt, after.CreatedAt);
    }

    [Fact]
    public async Task Models_OfficialSdkRetrieveUnknown_404()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Sdk().GetOpenAIModelClient().GetModelAsync("no-such-model"));
        Assert.Equal(404, error.Status);
    }

    [Theory]
    [InlineData("/v1/models/glm-pool", "glm-pool")]
    [InlineData("/models/glm-pool", "glm-pool")]
    [InlineData("/v1/models/team/gpt-x", "team/gpt-x")]
    [InlineData("/models/team%2Fgpt-x", "team/gpt-x")]
    public async Task Models_Retrieve_AnswersTheObjectTheListShows(string path, string id)
    {
        var before = ListEntry(await _gateway.Client.GetStringAsync("/v1/models"), id);

        using var response = await _gateway.Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();

        var after = ListEntry(await _gateway.Client.GetStringAsync("/v1/models"), id);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var model = JsonDocument.Parse(text).RootElement;
        // Every member the list shows, with the same value; only the time may have moved on between the calls.
        Assert.Equal(before.EnumerateObject().Select(p => p.Name), model.EnumerateObject().Select(p => p.Name));
        foreach (var property in before.EnumerateObject().Where(p => p.Name is not ("created" or "created_at")))
        {
            Assert.Equal(property.Value.GetRawText(), model.GetProperty(property.Name).GetRawText());
        }

        Assert.InRange(model.GetProperty("created").GetInt64(), before.GetProperty("created").GetInt64(), after.GetProperty("created").GetInt64());
    }

    [Theory]
    [InlineData("/v1/models/no-such-model")]
    [InlineData("/models/no-such-model")]
    [InlineData("/v1/models/team/no-such-model")]
    [InlineData("/v1/models/zai/*")] // a wildcard pattern is not in the list, so it is not retrieved either
    [InlineData("/v1/models/zai/glm-4.6")]
    public async Task Models_RetrieveNameNotListed_404ModelNotFound(string path)
    {
        using var response = await _gateway.Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.NotFound, text);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("does not exist", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static JsonElement ListEntry(string list, string id) =>
        JsonDocument.Parse(list).RootElement.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == id);

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
