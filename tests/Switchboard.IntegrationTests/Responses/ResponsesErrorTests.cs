using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Responses;

/// <summary>Every bad input of the Responses endpoints: a 4xx in OpenAI's error shape, and no upstream call.</summary>
public sealed class ResponsesErrorTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);
        _gateway = await TestGateway.StartAsync(Configs.Of(Configs.Http("pool", "dep-ok", _mock.BaseUrl, "ok-re1")));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mock.DisposeAsync();
    }

    [Theory]
    [InlineData("malformed json", """{"model":"pool","input":"hi" """, 400)]
    [InlineData("missing model", """{"input":"hi"}""", 400)]
    [InlineData("model not a string", """{"model":42,"input":"hi"}""", 400)]
    [InlineData("unknown model", """{"model":"no-such-pool","input":"hi"}""", 400)]
    [InlineData("missing input", """{"model":"pool"}""", 400)]
    [InlineData("input of the wrong type", """{"model":"pool","input":42}""", 400)]
    [InlineData("item not an object", """{"model":"pool","input":["hi",7]}""", 400)]
    [InlineData("function_call_output without call_id", """{"model":"pool","input":[{"type":"function_call_output","output":"x"}]}""", 400)]
    [InlineData("tools not an array", """{"model":"pool","input":"hi","tools":{"type":"function"}}""", 400)]
    [InlineData("max_output_tokens a string", """{"model":"pool","input":"hi","max_output_tokens":"100"}""", 400)]
    [InlineData("stream not a boolean", """{"model":"pool","input":"hi","stream":"yes"}""", 400)]
    [InlineData("unknown previous_response_id", """{"model":"pool","input":"hi","previous_response_id":"resp_nope"}""", 400)]
    public async Task PostResponses_BadInput_4xxInOpenAiShape_NoUpstreamCall(string what, string body, int status)
    {
        using var response = await PostAsync("/v1/responses", body);

        var error = await ErrorAsync(response, status, what);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(0, _mock.Stats.Total);
    }

    [Fact]
    public async Task PostResponses_UnknownPreviousResponseId_NamesTheId()
    {
        using var response = await PostAsync("/responses", """{"model":"pool","input":"hi","previous_response_id":"resp_gone"}""");

        var error = await ErrorAsync(response, 400, "previous id");
        Assert.Contains("resp_gone", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreviousResponseId_OfAnotherKey_NotFound()
    {
        using var created = await PostAsync("/v1/responses", """{"model":"pool","input":"hi"}""", key: "sk-alice");
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        using var other = await PostAsync("/v1/responses", $$"""{"model":"pool","input":"more","previous_response_id":"{{id}}"}""", key: "sk-bob");
        await ErrorAsync(other, 400, "other key's response");
        using var get = await SendAsync(HttpMethod.Get, "/v1/responses/" + id, null, "sk-bob");
        await ErrorAsync(get, 404, "other key's GET");

        using var own = await PostAsync("/v1/responses", $$"""{"model":"pool","input":"more","previous_response_id":"{{id}}"}""", key: "sk-alice");
        Assert.Equal(200, (int)own.StatusCode);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    public async Task StoredResponse_UnknownId_404InOpenAiShape(string method)
    {
        using var response = await SendAsync(new HttpMethod(method), "/v1/responses/resp_unknown", null, "sk-x");

        await ErrorAsync(response, 404, method);
    }

    [Fact]
    public async Task StoreFalse_NotKept()
    {
        using var created = await PostAsync("/v1/responses", """{"model":"pool","input":"hi","store":false}""");
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        using var get = await SendAsync(HttpMethod.Get, "/v1/responses/" + id, null, "sk-client");
        await ErrorAsync(get, 404, "store false");
    }

    private Task<HttpResponseMessage> PostAsync(string path, string body, string key = "sk-client") => SendAsync(HttpMethod.Post, path, body, key);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string key)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return _gateway.Client.SendAsync(request);
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, int status, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{what}: HTTP {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        var error = document.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        return error.Clone();
    }
}
