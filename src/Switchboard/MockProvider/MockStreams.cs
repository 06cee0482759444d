using System.IO.Pipelines;

namespace Switchboard.MockProvider;

/// <summary>
/// The OpenAI-format streams of the mock, written into any pipe: the mock server's response, or the in-process
/// <c>mock/</c> provider's pipe. One flush per chunk; a pause between chunks on the given clock.
/// </summary>
internal static class MockStreams
{
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>An OpenAI chat stream: reasoning, content and tool-call fragments, the finish chunk, usage when asked, [DONE].</summary>
    public static async Task ChatAsync(
        PipeWriter output, MockAnswer answer, MockRequest request, string id, long created, TimeSpan delay, TimeProvider time, MockKeyKind fault, CancellationToken ct)
    {
        var model = request.Model;
        using var sse = new SseWriter(output);
        var sent = 0;
        for (var i = 0; i < answer.Reasoning.Count; i++)
        {
            if (!await BeforePieceAsync(fault, sent, answer.CutAt, time, ct)) return;
            await PauseAsync(sent, delay, time, ct);
            var w = sse.BeginData();
            OpenAiWriter.StartChunk(w, id, created, model, first: sent++ == 0, request.StampSent);
            w.WriteString("reasoning_content", answer.Reasoning[i]);
            OpenAiWriter.EndChunk(w, null);
            if (!await sse.EndAsync(ct)) return;
        }

        for (var i = 0; i < answer.Content.Count; i++)
        {
            if (!await BeforePieceAsync(fault, sent, answer.CutAt, time, ct)) return;
            await PauseAsync(sent, delay, time, ct);
            var w = sse.BeginData();
            OpenAiWriter.StartChunk(w, id, created, model, first: sent++ == 0, request.StampSent);
            if (request.StampContent)
            {
                var ticks = System.Diagnostics.Stopwatch.GetTimestamp().ToString(System.Globalization.CultureInfo.InvariantCulture);
                w.WriteString("content", string.Concat(answer.Content[i], "[t", ticks, "]"));
            }
            else
            {
                w.WriteString("content", answer.Content[i]);
            }

            OpenAiWriter.EndChunk(w, null);
            if (!await sse.EndAsync(ct)) return;
        }

        for (var call = 0; call < answer.ToolCalls.Count; call++)
        {
            var toolCall = answer.ToolCalls[call];
            for (var fragment = 0; fragment < toolCall.Arguments.Count; fragment++)
            {
                if (!await BeforePieceAsync(fault, sent, answer.CutAt, time, ct)) return;
                await PauseAsync(sent, delay, time, ct);
                var w = sse.BeginData();
                OpenAiWriter.StartChunk(w, id, created, model, first: sent++ == 0, request.StampSent);
                OpenAiWriter.WriteToolDelta(w, call, toolCall, fragment);
                OpenAiWriter.EndChunk(w, null);
                if (!await sse.EndAsync(ct)) return;
            }
        }

        if (!await BeforePieceAsync(fault, sent, answer.CutAt, time, ct)) return;
        await PauseAsync(sent, delay, time, ct);
        var last = sse.BeginData();
        OpenAiWriter.StartChunk(last, id, created, model, first: sent == 0, request.StampSent);
        OpenAiWriter.EndChunk(last, OpenAiWriter.FinishReason(answer));
        if (!await sse.EndAsync(ct)) return;
        if (request.IncludeUsage)
        {
            OpenAiWriter.WriteUsageChunk(sse.BeginData(), answer, id, created, model, request.StampSent);
            if (!await sse.EndAsync(ct)) return;
        }

        await sse.WriteRawAsync(Done, ct);
    }

    /// <summary>A legacy completions stream.</summary>
    public static async Task CompletionsAsync(
        PipeWriter output, MockAnswer answer, string model, string id, long created, TimeSpan delay, TimeProvider time, CancellationToken ct)
    {
        using var sse = new SseWriter(output);
        for (var i = 0; i < answer.Content.Count; i++)
        {
            await PauseAsync(i, delay, time, ct);
            OpenAiWriter.WriteTextCompletionChunk(sse.BeginData(), answer.Content[i], null, model, id, created);
            if (!await sse.EndAsync(ct)) return;
        }

        OpenAiWriter.WriteTextCompletionChunk(sse.BeginData(), "", "stop", model, id, created);
        if (!await sse.EndAsync(ct)) return;
        await sse.WriteRawAsync(Done, ct);
    }

    /// <summary>
    /// Where a faulty key breaks a stream: <see cref="MockKeyKind.CutStream"/> ends it (the caller returns, the body
    /// closes) at the answer's cut point; <see cref="MockKeyKind.StallStream"/> waits after the first piece until the client goes.
    /// </summary>
    /// <returns>false when the stream must end here.</returns>
    public static async ValueTask<bool> BeforePieceAsync(MockKeyKind fault, int sent, int cutAt, TimeProvider time, CancellationToken ct)
    {
        if (fault == MockKeyKind.CutStream && sent >= cutAt)
        {
            return false;
        }

        if (fault == MockKeyKind.StallStream && sent == 1)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, ct);
        }

        return true;
    }

    /// <summary>The inter-chunk delay: none before the first chunk, then before each one.</summary>
    public static Task PauseAsync(int sent, TimeSpan delay, TimeProvider time, CancellationToken ct) =>
        sent == 0 || delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, time, ct);
}
