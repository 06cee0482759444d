using Microsoft.AspNetCore.Http;

namespace Switchboard.MockProvider;

/// <summary>The streamed answers: OpenAI chunks and Anthropic events, one flush per event.</summary>
internal sealed partial class MockProviderServer
{
    private static readonly byte[] Ping = "event: ping\ndata: {\"type\": \"ping\"}\n\n"u8.ToArray();

    private Task StreamChatAsync(HttpContext context, MockAnswer answer, MockRequest request, TimeSpan delay, MockKeyKind fault, CancellationToken ct)
    {
        StartEventStream(context.Response);
        return MockStreams.ChatAsync(context.Response.BodyWriter, answer, request, NextId("chatcmpl-mock-"), UnixNow(), delay, _time, fault, ct);
    }

    private Task StreamCompletionsAsync(HttpContext context, MockAnswer answer, string model, TimeSpan delay, CancellationToken ct)
    {
        StartEventStream(context.Response);
        return MockStreams.CompletionsAsync(context.Response.BodyWriter, answer, model, NextId("cmpl-mock-"), UnixNow(), delay, _time, ct);
    }

    private async Task StreamResponsesAsync(HttpContext context, MockAnswer answer, string model, TimeSpan delay, CancellationToken ct)
    {
        StartEventStream(context.Response);
        using var sse = new SseWriter(context.Response.BodyWriter);
        await new ResponsesWriter(sse, answer, model, NextId("resp_mock_"), UnixNow()).WriteStreamAsync((sent, token) => PauseAsync(sent, delay, token), ct);
    }

    /// <summary>
    /// Anthropic's order: <c>message_start</c>, then per block <c>content_block_start</c> → deltas → <c>content_block_stop</c>
    /// (one block open at a time; a <c>ping</c> after the first block opens, as Anthropic sends it), <c>message_delta</c>,
    /// <c>message_stop</c>.
    /// </summary>
    /// <remarks><paramref name="fault"/> <see cref="MockKeyKind.CutStream"/> or <see cref="MockKeyKind.StallStream"/> breaks it (see there).</remarks>
    private async Task StreamMessagesAsync(HttpContext context, MockAnswer answer, string model, TimeSpan delay, MockKeyKind fault, CancellationToken ct)
    {
        StartEventStream(context.Response);
        using var sse = new SseWriter(context.Response.BodyWriter);
        AnthropicWriter.WriteMessageStart(sse.BeginEvent("message_start"u8), answer, model, NextId("msg_mock_"));
        if (!await sse.EndAsync(ct)) return;
        var block = 0;
        var sent = 0;
        if (answer.Reasoning.Count > 0)
        {
            AnthropicWriter.WriteThinkingStart(sse.BeginEvent("content_block_start"u8), block);
            if (!await StartedAsync(sse, block, ct)) return;
            for (var i = 0; i < answer.Reasoning.Count; i++)
            {
                if (!await MockStreams.BeforePieceAsync(fault, sent, answer.CutAt, _time, ct)) return;
                await PauseAsync(sent++, delay, ct);
                AnthropicWriter.WriteDelta(sse.BeginEvent("content_block_delta"u8), block, "thinking_delta", "thinking", answer.Reasoning[i]);
                if (!await sse.EndAsync(ct)) return;
            }

            AnthropicWriter.WriteDelta(sse.BeginEvent("content_block_delta"u8), block, "signature_delta", "signature", AnthropicWriter.Signature);
            if (!await sse.EndAsync(ct)) return;
            if (!await StopBlockAsync(sse, block++, ct)) return;
        }

        if (answer.Content.Count > 0)
        {
            AnthropicWriter.WriteTextStart(sse.BeginEvent("content_block_start"u8), block);
            if (!await StartedAsync(sse, block, ct)) return;
            for (var i = 0; i < answer.Content.Count; i++)
            {
                if (!await MockStreams.BeforePieceAsync(fault, sent, answer.CutAt, _time, ct)) return;
                await PauseAsync(sent++, delay, ct);
                AnthropicWriter.WriteDelta(sse.BeginEvent("content_block_delta"u8), block, "text_delta", "text", answer.Content[i]);
                if (!await sse.EndAsync(ct)) return;
            }

            if (!await StopBlockAsync(sse, block++, ct)) return;
        }

        foreach (var call in answer.ToolCalls)
        {
            AnthropicWriter.WriteToolUseStart(sse.BeginEvent("content_block_start"u8), block, call);
            if (!await StartedAsync(sse, block, ct)) return;
            for (var i = 0; i < call.Arguments.Count; i++)
            {
                if (!await MockStreams.BeforePieceAsync(fault, sent, answer.CutAt, _time, ct)) return;
                await PauseAsync(sent++, delay, ct);
                AnthropicWriter.WriteDelta(sse.BeginEvent("content_block_delta"u8), block, "input_json_delta", "partial_json", call.Arguments[i]);
                if (!await sse.EndAsync(ct)) return;
            }

            if (!await StopBlockAsync(sse, block++, ct)) return;
        }

        if (!await MockStreams.BeforePieceAsync(fault, sent, answer.CutAt, _time, ct)) return;
        AnthropicWriter.WriteMessageDelta(sse.BeginEvent("message_delta"u8), answer);
        if (!await sse.EndAsync(ct)) return;
        await sse.WriteRawAsync("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"u8, ct);
    }

    /// <summary>Ends a <c>content_block_start</c> event; the first one is followed by a <c>ping</c>.</summary>
    private static async ValueTask<bool> StartedAsync(SseWriter sse, int block, CancellationToken ct)
    {
        if (!await sse.EndAsync(ct)) return false;
        return block != 0 || await sse.WriteRawAsync(Ping, ct);
    }

    private static ValueTask<bool> StopBlockAsync(SseWriter sse, int block, CancellationToken ct)
    {
        AnthropicWriter.WriteBlockStop(sse.BeginEvent("content_block_stop"u8), block);
        return sse.EndAsync(ct);
    }

    private static void StartEventStream(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
    }

    /// <summary>The inter-chunk delay: none before the first chunk, then before each one.</summary>
    private Task PauseAsync(int sent, TimeSpan delay, CancellationToken ct) => MockStreams.PauseAsync(sent, delay, _time, ct);
}
