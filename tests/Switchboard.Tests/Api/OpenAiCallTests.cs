using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Switchboard.Api;
using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Api.CallTestData;

namespace Switchboard.Tests.Api;

/// <summary>
/// The pooled OpenAI call object: a reused object builds and relays for its new call only (never the body rewritten or
/// translated for the call before it), and only a rented object goes back to the pool. A test method runs on one thread,
/// and the pool is per thread.
/// </summary>
public sealed class OpenAiCallTests
{
    [Fact]
    public async Task Rent_AfterReturn_ReusesTheObjectAndBuildsTheNewBody()
    {
        using var firstBody = await BodyAsync("""{"model":"group","messages":[{"role":"user","content":"first"}]}""");
        var first = OpenAiCall.Rent(firstBody, RoutingFields.Parse(firstBody.Span), "/chat/completions", TimeProvider.System, null);
        // The group's name is not the upstream model: the body is rewritten and the rewrite kept for retries.
        var firstRequest = first.BuildRequest(DeploymentOf("openai"));
        Assert.Contains("first", Encoding.UTF8.GetString(firstRequest.Body.Span), StringComparison.Ordinal);
        first.Return();

        using var secondBody = await BodyAsync("""{"model":"group","messages":[{"role":"user","content":"second"}]}""");
        var second = OpenAiCall.Rent(secondBody, RoutingFields.Parse(secondBody.Span), "/chat/completions", TimeProvider.System, null);
        var secondRequest = second.BuildRequest(DeploymentOf("openai"));

        Assert.Same(first, second);
        var sent = Encoding.UTF8.GetString(secondRequest.Body.Span);
        Assert.Contains("second", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("first", sent, StringComparison.Ordinal);
        Assert.Equal("up-model", JsonDocument.Parse(sent).RootElement.GetProperty("model").GetString());
        second.Return();
    }

    [Fact]
    public async Task Rent_AfterAnAnthropicCall_NewCallIsNotTranslatedWithTheOldBody()
    {
        using var firstBody = await BodyAsync("""{"model":"group","messages":[{"role":"user","content":"first"}]}""");
        var first = OpenAiCall.Rent(firstBody, RoutingFields.Parse(firstBody.Span), "/chat/completions", TimeProvider.System, null);
        first.BuildRequest(DeploymentOf("anthropic"));
        first.Return();

        using var secondBody = await BodyAsync("""{"model":"group","messages":[{"role":"user","content":"second"}],"stream":true}""");
        var second = OpenAiCall.Rent(secondBody, RoutingFields.Parse(secondBody.Span), "/embeddings", TimeProvider.System, null);

        Assert.Same(first, second);
        Assert.False(second.Stream); // embeddings: the new path, not the old one
        var translated = OpenAiCall.Rent(secondBody, RoutingFields.Parse(secondBody.Span), "/chat/completions", TimeProvider.System, null);
        var request = translated.BuildRequest(DeploymentOf("anthropic"));
        Assert.Equal("/v1/messages", request.Path);
        Assert.Contains("second", Encoding.UTF8.GetString(request.Body.Span), StringComparison.Ordinal);
        Assert.True(translated.Stream);
        second.Return();
        translated.Return();
    }

    [Fact]
    public async Task Return_ObjectMadeWithNew_IsNotPooled()
    {
        using var body = await BodyAsync("""{"model":"group","messages":[]}""");
        var made = new OpenAiCall(body, RoutingFields.Parse(body.Span), "/chat/completions", TimeProvider.System);

        made.Return();
        var rented = OpenAiCall.Rent(body, RoutingFields.Parse(body.Span), "/chat/completions", TimeProvider.System, null);

        Assert.NotSame(made, rented);
        Assert.Equal("/chat/completions", made.BuildRequest(DeploymentOf("openai")).Path);
        rented.Return();
    }

    [Fact]
    public async Task RelayAsync_NonStreamAnswer_WrittenFromTheResponsesBufferBeforeItIsDisposed()
    {
        using var body = await BodyAsync("""{"model":"group","messages":[]}""");
        var call = OpenAiCall.Rent(body, RoutingFields.Parse(body.Span), "/chat/completions", TimeProvider.System, null);
        var answer = """{"id":"c","object":"chat.completion","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}""";
        var context = new DefaultHttpContext();
        var client = new MemoryStream();
        context.Response.Body = client;
        var state = new CallState { CallId = "t1", RequestedModel = "group", StartTimestamp = TimeProvider.System.GetTimestamp() };
        var response = new UpstreamResponse(200, new MemoryStream(Encoding.UTF8.GetBytes(answer)));
        await response.BufferAsync(1 << 20, CancellationToken.None); // the attempt loop's check

        var result = await call.RelayAsync(context, DeploymentOf("openai"), response, state, CancellationToken.None);
        await response.DisposeAsync(); // its buffer back to the pool: the client's copy must not change
        System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024).AsSpan().Fill((byte)'x');

        Assert.Equal(answer, Encoding.UTF8.GetString(client.ToArray()));
        Assert.Equal(3, result.Usage!.Value.InputTokens);
        call.Return();
    }
}
