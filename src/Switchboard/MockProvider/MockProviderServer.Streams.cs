using Microsoft.AspNetCore.Http;

namespace Switchboard.MockProvider;

/// <summary>The streamed answers: OpenAI chunks and Anthropic events, one flush per event.</summary>
internal sealed partial class MockProviderServer
{
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();
    private static readonly byte[] Ping = "event: ping\ndata: {\"type\": \"ping\"}\n\n"u8.ToArray();

    private async Task StreamChatAsync(HttpContext context, MockAnswer answer, MockRequest request, TimeSpan delay, CancellationToken ct)
    {
        StartEventStream(context.Response);
        var id = NextId("chatcmpl-mock-");
        var created = UnixNow();
        var model = request.Model;
        using var sse = new SseWriter(context.Response.BodyWriter);
        var sent = 0;
        for (var i = 0; i < answer.Reasoning.Count; i++)
        {
            await PauseAsync(sent, delay, ct);
            var w = sse.BeginData();
            OpenAiWriter.StartChunk(w, id, created, model, first: sent++ == 0);
            w.WriteString("reasoning_content", answer.Reasoning[i]);
            OpenAiWriter.EndChunk(w, null);
            if (!await sse.EndAsync(ct)) return;
        }

        for (var i = 0; i < answer.Content.Count; i++)
        {
            await PauseAsync(sent, delay, ct);
            var w = sse.BeginData();
            OpenAiWriter.StartChunk(w, id, created, model, first: sent++ == 0);
            w.WriteString("content", answer.Content[i]);
            OpenAiWriter.EndChunk(w, null);
            if (!await sse.EndAsync(ct)) return;
        }

        for (var call = 0; call < answer.ToolCalls.Count; call++)
        {
            var toolCall = answer.ToolCalls[call];
            for (var fragment = 0; fragment < toolCall.Arguments.Count; fragment++)
            {
                await PauseAsync(sent, delay, ct);
                var w = sse.BeginData();
                OpenAiWriter.StartChunk(w, id, created, model, first: sent++ == 0);
                OpenAiWriter.WriteToolDelta(w, call, toolCall, fragment);
                OpenAiWriter.EndChunk(w, null);
                if (!await sse.EndAsync(ct)) return;
            }
        }

        await PauseAsync(sent, delay, ct);
        var last = sse.BeginData();
        OpenAiWriter.StartChunk(last, id, created, model, first: sent == 0);
        OpenAiWriter.EndChunk(last, OpenAiWriter.FinishReason(answer));
        if (!await sse.EndAsync(ct)) return;
        if (request.IncludeUsage)
        {
            OpenAiWriter.WriteUsageChunk(sse.BeginData(), answer, id, created, model);
            if (!await sse.EndAsync(ct)) return;
        }

        await sse.WriteRawAsync(Done, ct);
    }

    private async Task StreamCompletionsAsync(HttpContext context, MockAnswer answer, string model, TimeSpan delay, CancellationToken ct)
    {
        StartEventStream(context.Response);
        var id = NextId("cmpl-mock-");
        var created = UnixNow();
        using var sse = new SseWriter(context.Response.BodyWriter);
        for (var i = 0; i < answer.Content.Count; i++)
        {
            await PauseAsync(i, delay, ct);
            OpenAiWriter.WriteTextCompletionChunk(sse.BeginData(), answer.Content[i], null, model, id, created);
            if (!await sse.EndAsync(ct)) return;
        }

        OpenAiWriter.WriteTextCompletionChunk(sse.BeginData(), "", "stop", model, id, created);
        if (!await sse.EndAsync(ct)) return;
        await sse.WriteRawAsync(Done, ct);
    }

    /// <summary>
    /// Anthropic's order: <c>message_start</c>, then per block <c>content_block_start</c> → deltas → <c>content_block_stop</c>
    /// (one block open at a time; a <c>ping</c> after the first block opens, as Anthropic sends it), <c>message_delta</c>,
    /// <c>message_stop</c>.
    /// </summary>
    private async Task StreamMessagesAsync(HttpContext context, MockAnswer answer, string model, TimeSpan delay, CancellationToken ct)
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
                await PauseAsync(sent++, delay, ct);
                AnthropicWriter.WriteDelta(sse.BeginEvent("content_block_delta"u8), block, "input_json_delta", "partial_json", call.Arguments[i]);
                if (!await sse.EndAsync(ct)) return;
            }

            if (!await StopBlockAsync(sse, block++, ct)) return;
        }

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
    private Task PauseAsync(int sent, TimeSpan delay, CancellationToken ct) =>
        sent == 0 || delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _time, ct);
}
