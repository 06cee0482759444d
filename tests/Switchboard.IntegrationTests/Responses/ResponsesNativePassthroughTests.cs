using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using Switchboard.Storage;

namespace Switchboard.IntegrationTests.Responses;

/// <summary>
/// Deployments whose <c>model_info.supported_endpoints</c> lists <c>/v1/responses</c> get a Responses call passed
/// through to the mock's own <c>/v1/responses</c>, with only the model and key swapped: the answer is the mock's
/// (its id, its model name), not a translation of the pivot (the gateway's <c>resp_</c> id, the group's name). Decided
/// per attempt, so a group may mix both kinds and a retry may change kind.
/// </summary>
public sealed class ResponsesNativePassthroughTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    private DeploymentConfig Deployment(string key, bool native, int order) =>
        Configs.Http("pool", "dep-" + key, _mock.BaseUrl, key) with
        {
            Order = order,
            ModelInfo = native ? new ModelInfoConfig { SupportedEndpoints = ["/v1/chat/completions", "/v1/responses"] } : new ModelInfoConfig(),
        };

    private Task<TestGateway> GatewayAsync(params DeploymentConfig[] deployments) => TestGateway.StartAsync(new GatewayConfig
    {
        ModelList = deployments,
        Router = new RouterSettings { RoutingStrategy = "order", NumRetries = 2 },
    });

    private static string Greeting(string key) => $"Hello from mock deployment {key} (model glm-4.6)";

    private static HttpRequestMessage Post(bool stream) => new(HttpMethod.Post, "/v1/responses")
    {
        Content = new StringContent($$"""{"model":"pool","input":"Hello there","stream":{{(stream ? "true" : "false")}},"store":false}""",
            Encoding.UTF8, "application/json"),
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "sk-client") },
    };

    [Fact]
    public async Task CreateResponse_NativeDeployment_MockAnswerPassedThroughAndUsageRecorded()
    {
        await using var gateway = await GatewayAsync(Deployment("ok-native", native: true, order: 1));

        using var response = await gateway.Client.SendAsync(Post(stream: false));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.StartsWith("resp_mock_", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("glm-4.6", root.GetProperty("model").GetString());
        Assert.Equal(Greeting("ok-native"), root.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        var usage = root.GetProperty("usage");
        var row = await gateway.OneUsageRowAsync();
        Assert.Equal(usage.GetProperty("input_tokens").GetInt32(), row.PromptTokens);
        Assert.Equal(usage.GetProperty("output_tokens").GetInt32(), row.CompletionTokens);
        Assert.False(row.TokensEstimated);
    }

    [Fact]
    public async Task CreateResponse_NativeStream_EventsRelayedAndUsageFromCompleted()
    {
        await using var gateway = await GatewayAsync(Deployment("ok-native-s", native: true, order: 1));

        using var response = await gateway.Client.SendAsync(Post(stream: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await EventsAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("response.created", events[0].Name);
        Assert.StartsWith("resp_mock_", events[0].Data.GetProperty("response").GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(Greeting("ok-native-s"), string.Concat(events.Where(e => e.Name == "response.output_text.delta")
            .Select(e => e.Data.GetProperty("delta").GetString())));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        var completed = events[^1];
        Assert.Equal("response.completed", completed.Name);
        var usage = completed.Data.GetProperty("response").GetProperty("usage");
        var row = await gateway.OneUsageRowAsync();
        Assert.Equal(usage.GetProperty("input_tokens").GetInt32(), row.PromptTokens);
        Assert.Equal(usage.GetProperty("output_tokens").GetInt32(), row.CompletionTokens);
        Assert.False(row.TokensEstimated);
    }

    [Fact]
    public async Task CreateResponse_MixedGroupNativeKeyRateLimited_RetriedThroughThePivot()
    {
        await using var gateway = await GatewayAsync(Deployment("rl-native-m", native: true, order: 1), Deployment("ok-pivot-m", native: false, order: 2));

        using var response = await gateway.Client.SendAsync(Post(stream: false));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(text);
        var id = json.RootElement.GetProperty("id").GetString()!;
        Assert.StartsWith("resp_", id, StringComparison.Ordinal);
        Assert.DoesNotContain("mock", id, StringComparison.Ordinal);
        Assert.Equal("pool", json.RootElement.GetProperty("model").GetString());
        Assert.Contains(Greeting("ok-pivot-m"), text, StringComparison.Ordinal);
        Assert.Equal(1, _mock.Stats["rl-native-m"].Calls);
        Assert.Equal(1, _mock.Stats["ok-pivot-m"].Calls);
    }

    [Fact]
    public async Task CreateResponse_NativeStreamUpstream429_RetriedOnAnotherNativeKey()
    {
        await using var gateway = await GatewayAsync(Deployment("rl-native-r", native: true, order: 1), Deployment("ok-native-r", native: true, order: 2));

        using var response = await gateway.Client.SendAsync(Post(stream: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await EventsAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("resp_mock_", events[0].Data.GetProperty("response").GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("response.completed", events[^1].Name);
        Assert.Contains(Greeting("ok-native-r"), events[^1].Data.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(1, _mock.Stats["rl-native-r"].Calls);
        Assert.Equal(1, _mock.Stats["ok-native-r"].Calls);
    }

    [Fact]
    public async Task CreateResponse_NativeDeploymentAnthropicProvider_GoesThroughThePivot()
    {
        var anthropic = Configs.Http("pool", "dep-anth", _mock.BaseUrl, "ok-anth-native", provider: "anthropic") with
        {
            ModelInfo = new ModelInfoConfig { SupportedEndpoints = ["/v1/responses"] },
        };
        await using var gateway = await GatewayAsync(anthropic);

        using var response = await gateway.Client.SendAsync(Post(stream: false));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pool", JsonDocument.Parse(text).RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task CreateResponse_NativeStreamBreaks_ClosingErrorContinuesTheSequenceNumbers()
    {
        // Two events, the second spaced as Python's json.dumps writes it and quoting the member's name in its text,
        // then the connection drops without response.completed.
        const string Events =
            "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_up\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[]},\"sequence_number\":0}\n\n" +
            "event: response.output_text.delta\ndata: {\"type\": \"response.output_text.delta\", \"sequence_number\": 1, \"item_id\": \"msg_1\", \"output_index\": 0, \"content_index\": 0, \"delta\": \"\\\"sequence_number\\\": 99\"}\n\n";
        await using var upstream = await LoopbackUpstream.StartAsync(app => app.MapPost("/v1/responses", async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(Events));
            await context.Response.Body.FlushAsync();
            await Task.Delay(100); // the gateway relays what came before the break
            context.Abort();
        }));
        await using var gateway = await GatewayAsync(Configs.Http("pool", "dep-break", upstream.BaseUrl, "ok-break") with
        {
            ModelInfo = new ModelInfoConfig { SupportedEndpoints = ["/v1/responses"] },
        });

        using var response = await gateway.Client.SendAsync(Post(stream: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await EventsAsync(response);

        Assert.Equal(["response.created", "response.output_text.delta", "error"], events.Select(e => e.Name));
        Assert.Equal([0, 1, 2], events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        Assert.Equal("server_error", events[^1].Data.GetProperty("code").GetString());
    }

    private static async Task<List<(string? Name, JsonElement Data)>> EventsAsync(HttpResponseMessage response)
    {
        var events = new List<(string?, JsonElement)>();
        string? name = null;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((name, JsonDocument.Parse(line[6..]).RootElement.Clone()));
                name = null;
            }
        }

        return events;
    }
}
