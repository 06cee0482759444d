using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Gemini.GeminiKit;

namespace Switchboard.IntegrationTests.Gemini;

/// <summary>
/// The Gemini API over real sockets onto both pool kinds: an <c>openai</c> pool (the pivot as is) and an <c>anthropic</c>
/// pool (composed with the pivot ⇄ Anthropic pair), with the mock provider as the upstream.
/// </summary>
public sealed class GeminiEndpointsTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    [Theory]
    [InlineData("openai", "/v1beta/models/gemini-pool:generateContent")]
    [InlineData("anthropic", "/v1beta/models/gemini-pool:generateContent")]
    [InlineData("openai", "/v1/models/gemini-pool:generateContent")]
    [InlineData("openai", "/models/gemini-pool:generateContent")]
    [InlineData("openai", "/v1beta/models/models%2Fgemini-pool:generateContent")]
    public async Task GenerateContent_NonStream_AnswersMockTextWithUsage(string provider, string path)
    {
        var key = $"ok-gem-{provider}";
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, provider, key));

        using var response = await gateway.Client.SendAsync(Post(path, UserText("Hello there")));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var answer = JsonNode.Parse(text)!;
        Assert.Equal($"Hello from mock deployment {key} (model glm-4.6)", Text([answer]));
        Assert.Equal("STOP", (string?)answer["candidates"]![0]!["finishReason"]);
        Assert.Equal("model", (string?)answer["candidates"]![0]!["content"]!["role"]);
        Assert.Equal(Model, (string?)answer["modelVersion"]);
        Assert.Equal(4, (int?)answer["usageMetadata"]!["candidatesTokenCount"]);
        Assert.True((int?)answer["usageMetadata"]!["promptTokenCount"] > 0);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task StreamGenerateContent_AltSse_StreamsEventsEndingWithFinishReasonAndUsage(string provider)
    {
        var key = $"ok-gems-{provider}";
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, provider, key));

        using var response = await gateway.Client.SendAsync(Post("/v1beta/models/gemini-pool:streamGenerateContent?alt=sse", UserText("Hello there")));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType?.ToString());
        var events = SseEvents(body);
        Assert.True(events.Count >= 2, body);
        Assert.Equal($"Hello from mock deployment {key} (model glm-4.6)", Text(events));
        Assert.All(events[..^1], e => Assert.Null(e["candidates"]![0]!["finishReason"]));
        Assert.Equal("STOP", (string?)events[^1]["candidates"]![0]!["finishReason"]);
        Assert.Equal(4, (int?)events[^1]["usageMetadata"]!["candidatesTokenCount"]);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task StreamGenerateContent_WithoutAlt_StreamsOneJsonArray(string provider)
    {
        var key = $"ok-gema-{provider}";
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, provider, key));

        using var response = await gateway.Client.SendAsync(Post("/v1beta/models/gemini-pool:streamGenerateContent", UserText("Hello there")));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var array = JsonNode.Parse(body)!.AsArray();
        Assert.Equal($"Hello from mock deployment {key} (model glm-4.6)", Text(array.Select(e => e!)));
        Assert.Equal("STOP", (string?)array[^1]!["candidates"]![0]!["finishReason"]);
    }

    [Theory]
    [InlineData("openai", true)]
    [InlineData("anthropic", true)]
    [InlineData("openai", false)]
    [InlineData("anthropic", false)]
    public async Task GenerateContent_FunctionCallRoundTrip_SecondAnswerQuotesTheFunctionResponse(string provider, bool stream)
    {
        var key = $"ok-gemt-{provider}-{stream}";
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, provider, key));
        var path = stream ? "/v1beta/models/gemini-pool:streamGenerateContent?alt=sse" : "/v1beta/models/gemini-pool:generateContent";
        var tools = ""","tools":[{"functionDeclarations":[{"name":"read_file","description":"Reads a file","parametersJsonSchema":{"type":"object","properties":{"file_path":{"type":"string"}},"required":["file_path"]}}]}]""";
        var user = new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = "Read it. mock-tool:read_file {\"file_path\":\"notes.txt\"}" }) };

        using var first = await gateway.Client.SendAsync(Post(path, "{\"contents\":[" + user.ToJsonString() + "]" + tools + "}"));
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.True(first.IsSuccessStatusCode, firstBody);
        var firstAnswers = stream ? SseEvents(firstBody) : [JsonNode.Parse(firstBody)!];
        var call = firstAnswers.SelectMany(a => a["candidates"]![0]!["content"]!["parts"]!.AsArray()).Single(p => p!["functionCall"] is not null)!["functionCall"]!;
        Assert.Equal("read_file", (string?)call["name"]);
        Assert.Equal("notes.txt", (string?)call["args"]!["file_path"]);

        // As Gemini CLI sends it back: the call (with the id it got, if any) and its response with the same id.
        var model = new JsonObject { ["role"] = "model", ["parts"] = new JsonArray(new JsonObject { ["functionCall"] = call.DeepClone() }) };
        var result = new JsonObject
        {
            ["role"] = "user",
            ["parts"] = new JsonArray(new JsonObject
            {
                ["functionResponse"] = new JsonObject { ["id"] = call["id"]?.DeepClone(), ["name"] = "read_file", ["response"] = new JsonObject { ["output"] = "The secret word is pineapple." } },
            }),
        };
        using var second = await gateway.Client.SendAsync(Post(path, "{\"contents\":[" + user.ToJsonString() + "," + model.ToJsonString() + "," + result.ToJsonString() + "]" + tools + "}"));

        var secondBody = await second.Content.ReadAsStringAsync();
        Assert.True(second.IsSuccessStatusCode, secondBody);
        var text = Text(stream ? SseEvents(secondBody) : [JsonNode.Parse(secondBody)!]);
        Assert.Equal("Tool result received: The secret word is pineapple.", text);
    }

    [Fact]
    public async Task GenerateContent_JsonModeWithSchema_AnswersAnInstanceOfTheSchema()
    {
        // Gemini CLI's model router asks so (upper-case OpenAPI types); an answer in prose makes it retry for minutes. GLM
        // takes JSON mode without a schema, so the pool here is an OpenAI model.
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, "openai", "ok-gemj", upstreamModel: "gpt-4o"));
        var config = ""","generationConfig":{"responseMimeType":"application/json","responseJsonSchema":{"type":"OBJECT","properties":{"complexity_reasoning":{"type":"STRING"},"complexity_score":{"type":"INTEGER"}},"required":["complexity_reasoning","complexity_score"]}}""";

        using var response = await gateway.Client.SendAsync(Post("/v1beta/models/gemini-pool:generateContent", UserText("route me", config)));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var json = JsonNode.Parse(Text([JsonNode.Parse(body)!]))!;
        Assert.True(json["complexity_reasoning"] is not null, body);
        Assert.Equal("Hello from mock deployment ok-gemj (model gpt-4o)", (string?)json["complexity_reasoning"]);
        Assert.Equal(1, (int?)json["complexity_score"]);
    }

    [Fact]
    public async Task CountTokens_ContentsOrWholeRequest_CountsTokens()
    {
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, "openai", "ok-gemc"));

        using var plain = await gateway.Client.SendAsync(Post("/v1beta/models/gemini-pool:countTokens", UserText("Hello there, how are you today?")));
        using var wrapped = await gateway.Client.SendAsync(Post("/v1beta/models/gemini-pool:countTokens",
            "{\"generateContentRequest\":" + UserText("Hello there, how are you today?", ",\"model\":\"models/gemini-pool\"") + "}"));

        var plainCount = (int)JsonNode.Parse(await plain.Content.ReadAsStringAsync())!["totalTokens"]!;
        var wrappedCount = (int)JsonNode.Parse(await wrapped.Content.ReadAsStringAsync())!["totalTokens"]!;
        Assert.InRange(plainCount, 5, 20);
        Assert.Equal(plainCount, wrappedCount);
    }

    [Fact]
    public async Task Models_ListAndGet_NameGroupsAsGeminiModels()
    {
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, "openai", "ok-gemm"));
        using var listRequest = new HttpRequestMessage(HttpMethod.Get, "/v1beta/models");
        listRequest.Headers.TryAddWithoutValidation("x-goog-api-key", "anything");

        using var list = await gateway.Client.SendAsync(listRequest);
        using var one = await gateway.Client.GetAsync("/v1beta/models/gemini-pool?key=anything");
        using var unknown = await gateway.Client.GetAsync("/v1beta/models/no-such-model");

        var models = JsonNode.Parse(await list.Content.ReadAsStringAsync())!["models"]!.AsArray();
        Assert.Equal("models/gemini-pool", (string?)Assert.Single(models)!["name"]);
        Assert.Contains("streamGenerateContent", models[0]!["supportedGenerationMethods"]!.AsArray().Select(m => (string?)m));
        Assert.Equal("models/gemini-pool", (string?)JsonNode.Parse(await one.Content.ReadAsStringAsync())!["name"]);
        await AssertErrorAsync(unknown, 404, "NOT_FOUND");
    }

    [Theory]
    [InlineData("header")]
    [InlineData("query")]
    [InlineData("bearer")]
    public async Task GenerateContent_MasterKeyAnyWayGoogleSends_Accepted(string how)
    {
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, "openai", "ok-gemk", masterKey: "sk-master-gem"));
        var path = "/v1beta/models/gemini-pool:generateContent" + (how == "query" ? "?key=sk-master-gem" : "");
        using var request = Post(path, UserText("hi"), key: how == "header" ? "sk-master-gem" : null);
        if (how == "bearer")
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-master-gem");
        }

        using var response = await gateway.Client.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(null, "/v1beta/models/gemini-pool:generateContent")]
    [InlineData("sk-wrong", "/v1beta/models/gemini-pool:streamGenerateContent?alt=sse")]
    [InlineData(null, "/v1beta/models/gemini-pool:countTokens")]
    [InlineData("sk-wrong", "/v1beta/models")]
    public async Task Call_MissingOrWrongKey_401InGoogleShape(string? key, string path)
    {
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, "openai", "ok-gemu", masterKey: "sk-master-gem"));
        using var request = path.EndsWith("/models", StringComparison.Ordinal) ? new HttpRequestMessage(HttpMethod.Get, path) : Post(path, UserText("hi"), key: null);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("x-goog-api-key", key);
        }

        using var response = await gateway.Client.SendAsync(request);

        await AssertErrorAsync(response, 401, "UNAUTHENTICATED");
    }

    [Theory]
    [InlineData("POST", "/v1beta/models/gemini-pool:generateContent")]
    [InlineData("POST", "/v1/models/gemini-pool:streamGenerateContent?alt=sse")]
    [InlineData("POST", "/models/gemini-pool:countTokens")]
    [InlineData("GET", "/v1beta/models")]
    [InlineData("GET", "/v1beta/models/gemini-pool")]
    public async Task Call_MissingKey_401NamesTheWaysGeminiClientsSendIt(string method, string path)
    {
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, "openai", "ok-gemnk", masterKey: "sk-master-gem"));
        using var request = method == "GET" ? new HttpRequestMessage(HttpMethod.Get, path) : Post(path, UserText("hi"), key: null);

        using var response = await gateway.Client.SendAsync(request);

        var message = (string?)(await AssertErrorAsync(response, 401, "UNAUTHENTICATED"))["message"];
        Assert.Contains("x-goog-api-key", message, StringComparison.Ordinal);
        Assert.Contains("?key=", message, StringComparison.Ordinal);
        Assert.DoesNotContain("x-api-key", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1beta/models/gemini-pool:generateContent", "{\"contents\":[", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-pool:streamGenerateContent?alt=sse", "{\"contents\":[", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-pool:generateContent", "[1,2]", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-pool:generateContent", "{}", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-pool:generateContent", "{\"contents\":\"hi\"}", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-pool:generateContent", "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":5}]}]}", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-pool:generateContent", "{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"generationConfig\":{\"temperature\":\"hot\"}}", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-pool:streamGenerateContent?alt=sse", "{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"tools\":[{\"functionDeclarations\":[{}]}]}", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/no-such-model:generateContent", "{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}]}", 404, "NOT_FOUND")]
    [InlineData("/v1beta/models/no-such-model:streamGenerateContent?alt=sse", "{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}]}", 404, "NOT_FOUND")]
    [InlineData("/v1beta/models/no-such-model:countTokens", "{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}]}", 404, "NOT_FOUND")]
    [InlineData("/v1beta/models/gemini-pool:generateContent", "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"x\"},{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"@@not base64!!\"}}]}]}", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1/models/gemini-pool:streamGenerateContent?alt=sse", "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"x\"},{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"@@@\"}}]}]}", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-pool:countTokens", "{\"contents\":[", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-pool:countTokens", "[]", 400, "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-pool:embedContent", "{}", 404, "NOT_FOUND")]
    [InlineData("/v1beta/models/gemini-pool", "{}", 404, "NOT_FOUND")]
    [InlineData("/v1beta/cachedContents", "{}", 404, "NOT_FOUND")]
    public async Task Call_BadInput_4xxInGoogleShape(string path, string body, int status, string statusName)
    {
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, "openai", "ok-gemb"));

        using var response = await gateway.Client.SendAsync(Post(path, body));

        await AssertErrorAsync(response, status, statusName);
        Assert.Equal(0, _mock.Stats["ok-gemb"].Calls);
    }

    [Fact]
    public async Task GenerateContent_UnknownFieldsAndParts_NeverFail()
    {
        await using var gateway = await TestGateway.StartAsync(Pool(_mock.BaseUrl, "openai", "ok-gemx"));
        var body = """
            {"contents":[{"role":"user","parts":[{"text":"hi"},{"videoMetadata":{}},{"someFuturePart":{"x":1}}]}],
             "safetySettings":[{"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_NONE"}],"cachedContent":"cachedContents/x","labels":{"a":"b"},
             "tools":[{"googleSearch":{}},{"urlContext":{}}],"toolConfig":{"retrievalConfig":{}},
             "generationConfig":{"topK":40,"candidateCount":1,"responseModalities":["TEXT"],"mediaResolution":"MEDIA_RESOLUTION_LOW","futureKnob":true}}
            """;

        using var response = await gateway.Client.SendAsync(Post("/v1beta/models/gemini-pool:generateContent", body));

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
