using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Switchboard.Protocols.OpenAi;
using Switchboard.Translation;

namespace Switchboard.Api;

/// <summary>
/// An Anthropic client's stream from an OpenAI-compatible upstream (Claude Code through GLM), translated event by event
/// as it arrives (architecture decision 12) and flushed before every upstream read that has to wait (<see cref="MergedFlush"/>).
/// </summary>
internal static class AnthropicStreamRelay
{
    /// <summary>
    /// Relays the stream. The response headers are written but not flushed (<see cref="Answer.BeginEventStreamAsync"/>):
    /// <c>message_start</c> is written after them before the first read, and both are flushed before that read only when it
    /// has to wait (the client sees the answer start while the model thinks, and the pings follow it); when the upstream's
    /// first chunk is already there, they leave with what it produces (<c>content_block_start</c>, the first delta) in one
    /// flush: one send per stream start, as the OpenAI passthrough (docs/benchmarks.md, "Time to first token").
    /// </summary>
    public static async Task<RelayResult> TranslateAsync(Stream upstream, HttpResponse http, OpenAiToAnthropicStreamTranslator translator, CallState call,
        TimeProvider time, TimeSpan pingInterval, CancellationToken ct)
    {
        var output = http.BodyWriter;
        var parser = new SseParser(call.MaxSseEventBytes, call.Secrets);
        TimeSpan? ttft = null;
        translator.Start(output);
        var flush = new MergedFlush();
        while (true)
        {
            int read;
            var next = SseRelay.ReadIntoAsync(upstream, parser, ct, cutReturns: true);
            if (ttft.HasValue && flush.Due(next.IsCompleted) && !await Answer.TryFlushToClientAsync(output, ct))
            {
                // The pending read stays with the upstream response, which the attempt loop disposes (and so cancels).
                return RelayResult.Cut(http.HttpContext, ttft, nameof(ClientGoneException), ct);
            }

            if (next.IsCompleted)
            {
                read = next.Result;
            }
            else if (ttft.HasValue)
            {
                read = await next;
            }
            else
            {
                // Nothing from the upstream yet and it has to wait: the headers and message_start go now, then a ping
                // every interval until the first chunk. The pending read stays with the upstream response, which the
                // attempt loop disposes (and so cancels), if the client is gone.
                read = await Answer.TryFlushToClientAsync(output, ct)
                    ? await WaitWithPingsAsync(next.AsTask(), output, time, pingInterval, ct)
                    : ClientGoneRead;
            }

            if (read <= 0)
            {
                if (read == SseRelay.Cancelled)
                {
                    // The client hung up (or the ping could not be written): no exception through the frames above.
                    return RelayResult.Cut(http.HttpContext, ttft, nameof(OperationCanceledException), ct);
                }

                if (read == ClientGoneRead)
                {
                    return RelayResult.Cut(http.HttpContext, ttft, nameof(ClientGoneException), ct);
                }

                break;
            }

            ttft ??= time.GetElapsedTime(call.StartTimestamp);
            while (parser.TryRead(out var evt))
            {
                Feed(translator, evt, output, call.Delivered);
            }

            if (translator.Finished)
            {
                break;
            }
        }

        while (parser.TryReadFinal(out var evt))
        {
            Feed(translator, evt, output, call.Delivered);
        }

        if (!translator.Finished && !translator.SawFinishReason)
        {
            // Closed before finish_reason: the answer is cut (maybe mid tool-call arguments); an error event ends it,
            // never message_delta/message_stop (architecture decision 10).
            translator.OnEndedEarly(output);
            await Answer.FlushToClientAsync(output, ct);
            throw new IOException("the upstream stream ended before finish_reason and [DONE]");
        }

        // finish_reason came, only [DONE] (or the usage chunk) is missing: the answer itself is whole.
        translator.OnDone(output);
        if (!await Answer.TryFlushToClientAsync(output, ct))
        {
            return RelayResult.Cut(http.HttpContext, ttft, nameof(ClientGoneException), ct);
        }

        return new RelayResult(translator.Usage, ttft, !translator.Failed);
    }

    private static void Feed(OpenAiToAnthropicStreamTranslator translator, SseEvent evt, IBufferWriter<byte> output, Usage.DeliveredUsage delivered)
    {
        if (evt.IsDone)
        {
            translator.OnDone(output);
        }
        else if (!evt.Data.IsEmpty)
        {
            delivered.AddOpenAiChunk(evt.Data.Span);
            translator.OnChunk(evt.Data.Span, output);
        }
    }

    /// <summary>Waits for the upstream's first bytes, sending a <c>ping</c> every interval so the client's idle timer does not fire.</summary>
    /// <returns>What <see cref="SseRelay.ReadIntoAsync"/> returns (<see cref="SseRelay.Cancelled"/> on a cancelled read), or
    /// <see cref="ClientGoneRead"/> when a ping found the client gone.</returns>
    private static async Task<int> WaitWithPingsAsync(Task<int> read, PipeWriter output, TimeProvider time, TimeSpan pingInterval, CancellationToken ct)
    {
        while (!read.IsCompleted)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var tick = Task.Delay(pingInterval, time, wait.Token);
            var first = await Task.WhenAny(read, tick);
            if (first == read)
            {
                await wait.CancelAsync();
                break;
            }

            OpenAiToAnthropicStreamTranslator.WritePing(output);
            if (!await Answer.TryFlushToClientAsync(output, ct))
            {
                // The pending read stays with the upstream response, which the attempt loop disposes (and so cancels).
                return ClientGoneRead;
            }
        }

        return await read;
    }

    /// <summary>What the first read returns when a flush before it, or a ping, found the client gone.</summary>
    private const int ClientGoneRead = -2;
}
