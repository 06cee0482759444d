using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Switchboard.Api;
using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Api.CallTestData;

namespace Switchboard.Tests.Api;

public sealed partial class AnthropicMessagesTests
{
    private const string Request = """{"model":"group","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}""";
    private const string FirstChunk = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n";
    private const string LastChunks = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

    [Fact]
    public async Task RelayAsync_TranslatedFirstChunkAlreadyThere_HeadersAndFirstEventsInOneFlush()
    {
        // Claude Code's path through GLM: the upstream sent its first chunk with its headers (and here the rest too), so
        // the client's headers (written, not flushed), message_start and what the chunks produce leave in one send.
        var upstream = new SseRelayTests.PieceStream(Encoding.UTF8.GetBytes(FirstChunk + LastChunks), [FirstChunk.Length, LastChunks.Length]);
        var (context, client) = SseRelayTests.NewRecordedResponse();
        context.Response.BodyWriter.Write("headers\n"u8); // stands in for the headers Kestrel writes into the same pipe
        using var body = await BodyAsync(Request);
        var messages = new AnthropicMessages(body, RoutingFields.Parse(body.Span), TimeProvider.System, TimeSpan.FromHours(1));

        var result = await messages.RelayAsync(context, DeploymentOf("openai"), new UpstreamResponse(200, upstream), NewCall(), CancellationToken.None);

        Assert.True(result.Completed);
        var sent = Assert.Single(client.Flushed);
        Assert.StartsWith("headers\n", sent, StringComparison.Ordinal);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"], EventNames(sent));
    }

    [Fact]
    public async Task RelayAsync_TranslatedFirstChunkNotThereYet_HeadersAndMessageStartFlushedBeforeWaiting()
    {
        // A model that thinks before its first token: the client sees the headers and message_start before the relay
        // waits, then the events as they are produced, in Anthropic's order (the last chunks, there at once after the
        // first, leave with it).
        var first = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var upstream = new SseRelayTests.LateStream(first.Task, Encoding.UTF8.GetBytes(LastChunks));
        var (context, client) = SseRelayTests.NewRecordedResponse();
        context.Response.BodyWriter.Write("headers\n"u8); // stands in for the headers Kestrel writes into the same pipe
        using var body = await BodyAsync(Request);
        var messages = new AnthropicMessages(body, RoutingFields.Parse(body.Span), TimeProvider.System, TimeSpan.FromHours(1));

        var relay = messages.RelayAsync(context, DeploymentOf("openai"), new UpstreamResponse(200, upstream), NewCall(), CancellationToken.None).AsTask();
        await upstream.Waiting.WaitAsync(TimeSpan.FromSeconds(30));
        for (var deadline = DateTime.UtcNow.AddSeconds(30); client.FlushCount == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(10);
        }

        Assert.Single(client.Flushed);
        Assert.StartsWith("headers\n", client.Flushed[0], StringComparison.Ordinal);
        Assert.Equal(["message_start"], EventNames(client.Flushed[0]));
        first.SetResult(Encoding.UTF8.GetBytes(FirstChunk));
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.Completed);
        Assert.Equal(2, client.Flushed.Count);
        Assert.Equal(["content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"], EventNames(client.Flushed[1]));
    }

    private const string PassthroughStart =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"up-model\",\"content\":[],\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n";

    private const string PassthroughError =
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";

    [Theory]
    [InlineData("")]
    [InlineData("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n"
        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")]
    public async Task RelayAsync_PassthroughErrorEvent_RelayedAsTheLastEventAndReportedAsAFailure(string after)
    {
        // An anthropic/ upstream that fails mid-stream (overloaded_error): the client gets its error event, nothing after it
        // (an error event ends a failed stream), and the attempt is the deployment's failure, as on the translated paths.
        var upstreamText = PassthroughStart + PassthroughError + after;
        var upstream = new SseRelayTests.PieceStream(Encoding.UTF8.GetBytes(upstreamText), [upstreamText.Length]);
        var (context, client) = SseRelayTests.NewRecordedResponse();
        using var body = await BodyAsync(Request);
        var messages = new AnthropicMessages(body, RoutingFields.Parse(body.Span), TimeProvider.System, TimeSpan.FromHours(1));

        var result = await messages.RelayAsync(context, DeploymentOf("anthropic"), new UpstreamResponse(200, upstream), NewCall(), CancellationToken.None);

        Assert.False(result.Completed);
        Assert.Null(result.ClientGone);
        var sent = string.Concat(client.Flushed);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "error"], EventNames(sent));
        Assert.EndsWith(PassthroughError, sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelayAsync_PassthroughMessageStop_Completed()
    {
        var upstreamText = PassthroughStart + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        var upstream = new SseRelayTests.PieceStream(Encoding.UTF8.GetBytes(upstreamText), [upstreamText.Length]);
        var (context, _) = SseRelayTests.NewRecordedResponse();
        using var body = await BodyAsync(Request);
        var messages = new AnthropicMessages(body, RoutingFields.Parse(body.Span), TimeProvider.System, TimeSpan.FromHours(1));

        var result = await messages.RelayAsync(context, DeploymentOf("anthropic"), new UpstreamResponse(200, upstream), NewCall(), CancellationToken.None);

        Assert.True(result.Completed);
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\r\n")]
    public async Task RelayAsync_PassthroughStreamEndingInItsLastLineEnd_Completed(string eol)
    {
        // The last CR could be the start of a CRLF, so the parser holds the event for more bytes; at the end of the body
        // there are none, and message_stop is still the upstream's last event.
        var upstreamText = (PassthroughStart + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n").Replace("\n", eol, StringComparison.Ordinal);
        var upstream = new SseRelayTests.PieceStream(Encoding.UTF8.GetBytes(upstreamText), [upstreamText.Length]);
        var (context, client) = SseRelayTests.NewRecordedResponse();
        using var body = await BodyAsync(Request);
        var messages = new AnthropicMessages(body, RoutingFields.Parse(body.Span), TimeProvider.System, TimeSpan.FromHours(1));

        var result = await messages.RelayAsync(context, DeploymentOf("anthropic"), new UpstreamResponse(200, upstream), NewCall(), CancellationToken.None);

        Assert.True(result.Completed);
        Assert.Equal("message_stop", EventNames(string.Concat(client.Flushed))[^1]);
    }

    private static string[] EventNames(string sent) => [.. EventLine().Matches(sent).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("^event: (.+)$", RegexOptions.Multiline)]
    private static partial Regex EventLine();

    private static CallState NewCall() => new() { CallId = "t1", RequestedModel = "group", StartTimestamp = TimeProvider.System.GetTimestamp() };
}
