using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Switchboard.Protocols;

namespace Switchboard.Api;

/// <summary>
/// Relays an OpenAI-format SSE stream event by event as it arrives (no buffering beyond one partial event),
/// flushing before every read that has to wait (<see cref="MergedFlush"/>). Only events that carry <c>usage</c> are parsed.
/// </summary>
internal static class SseRelay
{
    /// <summary>
    /// Relays the stream. Response headers the caller wrote but did not flush (<see cref="Answer.BeginEventStreamAsync"/>) are
    /// flushed before the first read that has to wait, or else with the first events, which the upstream had already sent.
    /// </summary>
    public static async Task<RelayResult> RelayOpenAiAsync(
        Stream upstream, HttpResponse response, bool dropUsageOnlyChunk, TimeProvider time, long startTimestamp, Func<TokenUsage, double>? costOf,
        Usage.DeliveredUsage delivered, CancellationToken ct, int maxEventBytes = Protocols.OpenAi.SseParser.DefaultMaxEventBytes, Observability.SecretRedactor? secrets = null)
    {
        // Zero-byte reads: the reader waits for the upstream's next event without a segment rented (and HttpClient's response
        // stream then waits without its connection's read buffer), so a stream holds no buffer between events, which is
        // most of its life; 4 KiB segments once data is there, a longer event spans segments (docs/benchmarks.md, memory per stream).
        var reader = PipeReader.Create(upstream, new StreamPipeReaderOptions(bufferSize: 4 * 1024, minimumReadSize: 1024, useZeroByteReads: true));
        var output = response.BodyWriter;
        TokenUsage usage = default;
        var haveUsage = false;
        TimeSpan? ttft = null;
        var sawDone = false;
        var sawError = false;
        var flush = new MergedFlush();
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    // What was written (the headers, the last read's events) leaves now if the next read has to wait;
                    // when the upstream's next bytes are already here they leave together (MergedFlush).
                    var read = reader.ReadAsync(ct);
                    if (flush.Due(read.IsCompleted) && !await MergedFlush.TryFlushAsync(output, ct))
                    {
                        await MergedFlush.AbandonAsync(reader, read);
                        return RelayResult.Cut(response.HttpContext, ttft, ct.IsCancellationRequested ? nameof(OperationCanceledException) : nameof(ClientGoneException), ct);
                    }

                    result = await read;
                }
                catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or IOException)
                {
                    // A hang-up while waiting for the next event: ended here, not thrown through every frame above.
                    return RelayResult.Cut(response.HttpContext, ttft, nameof(OperationCanceledException), ct);
                }

                var buffer = result.Buffer;
                var consumed = buffer.Start;
                while (TryReadEvent(ref buffer, out var evt, maxEventBytes))
                {
                    consumed = buffer.Start;
                    var keep = true;
                    if (!ttft.HasValue)
                    {
                        ttft = time.GetElapsedTime(startTimestamp);
                    }

                    var eventSpan = evt.IsSingleSegment ? evt.FirstSpan : evt.ToArray();
                    if (secrets is { Count: > 0 } && eventSpan.IndexOf("error"u8) >= 0)
                    {
                        // An upstream's error text may echo the key it was sent (architecture decision 8).
                        eventSpan = secrets.RedactUtf8(eventSpan.ToArray()).Span;
                    }

                    var data = DataPayload(eventSpan);
                    if (data.Length > 0)
                    {
                        delivered.AddOpenAiChunk(data);
                        if (data.SequenceEqual("[DONE]"u8))
                        {
                            sawDone = true;
                        }
                        else if (IsErrorChunk(data))
                        {
                            // The upstream's own failure signal: relayed as it is, and the attempt is its failure (architecture decision 10).
                            sawError = true;
                        }
                        else if (data.IndexOf("\"usage\""u8) >= 0 && TokenUsage.TryReadOpenAi(data, out var u))
                        {
                            usage = u;
                            haveUsage = true;
                            keep = !(dropUsageOnlyChunk && HasEmptyChoices(data));
                            if (keep && costOf is not null && WriteWithCost(output, eventSpan, costOf(u)))
                            {
                                continue;
                            }
                        }
                    }

                    if (keep)
                    {
                        output.Write(eventSpan);
                    }
                }

                reader.AdvanceTo(consumed, result.Buffer.End);
                if (result.IsCompleted)
                {
                    var rest = result.Buffer.Slice(consumed);
                    if (!rest.IsEmpty)
                    {
                        // A last event without its blank line: pass it on and end it properly. Only line ends left (the
                        // LF of a CRLF that came after its event had already been taken at the CR) are passed on as they are.
                        foreach (var segment in rest)
                        {
                            output.Write(segment.Span);
                        }

                        if (!OnlyLineEnds(rest))
                        {
                            output.Write("\n\n"u8);
                        }
                    }

                    if (!await Answer.TryFlushToClientAsync(output, ct))
                    {
                        return RelayResult.Cut(response.HttpContext, ttft, nameof(ClientGoneException), ct);
                    }

                    break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }

        if (sawError)
        {
            // The client has the upstream's error chunk; the attempt loop counts the failure and adds no error of its own.
            return new RelayResult(haveUsage ? usage : null, ttft, false);
        }

        if (!sawDone)
        {
            // OpenAI-compatible streams end with [DONE]; without it the answer is cut, even if the socket closed cleanly.
            throw new IOException("the upstream stream ended before data: [DONE]");
        }

        return new RelayResult(haveUsage ? usage : null, ttft, sawDone);
    }

    /// <summary>
    /// Waits for the upstream's next bytes without holding a buffer (a zero-byte read, which HttpClient's response streams
    /// complete when data is there), then reads them into <paramref name="parser"/> through a pooled buffer rented for that
    /// copy only: a translated stream holds no 16 KiB buffer between events, which is most of its life
    /// (docs/benchmarks.md, memory per stream). Returns the bytes read; 0 at the end of the body; <see cref="Cancelled"/>
    /// when <paramref name="cutReturns"/> and <paramref name="ct"/> was cancelled during the read (the caller ends its relay
    /// with <see cref="RelayResult.Cut"/> instead of the exception climbing every frame above).
    /// </summary>
    internal static async ValueTask<int> ReadIntoAsync(Stream upstream, Protocols.OpenAi.SseParser parser, CancellationToken ct, bool cutReturns = false)
    {
        try
        {
#pragma warning disable CA2022 // a zero-byte read: it waits for data and reads none, there is no count to check
            await upstream.ReadAsync(Memory<byte>.Empty, ct);
#pragma warning restore CA2022
        }
        catch (Exception ex) when (cutReturns && ct.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // Waiting for the next event is where a stream spends its life, so where a hang-up finds it.
            return Cancelled;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var read = await upstream.ReadAsync(buffer, ct);
            parser.Append(buffer.AsSpan(0, read));
            return read;
        }
        catch (Exception ex) when (cutReturns && ct.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            return Cancelled;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>What <see cref="ReadIntoAsync"/> returns when the read was cancelled (with <c>cutReturns</c>).</summary>
    internal const int Cancelled = -1;

    /// <summary>Writes the usage event with <c>"cost"</c> added to its usage object (which LiteLLM's streams lack).</summary>
    private static bool WriteWithCost(PipeWriter output, ReadOnlySpan<byte> evt, double cost)
    {
        var at = evt.IndexOf("\"usage\":{"u8);
        if (at < 0)
        {
            return false;
        }

        var split = at + "\"usage\":{"u8.Length;
        output.Write(evt[..split]);
        output.Write("\"cost\":"u8);
        Span<byte> number = stackalloc byte[32];
        cost.TryFormat(number, out var written, "0.##########", System.Globalization.CultureInfo.InvariantCulture);
        output.Write(number[..written]);
        if (evt[split] != (byte)'}')
        {
            output.Write(","u8);
        }

        output.Write(evt[split..]);
        return true;
    }

    /// <summary>Writes an OpenAI-shaped error event into a stream that already started (architecture decision 2).</summary>
    public static async Task WriteStreamErrorAsync(HttpResponse response, string message, CancellationToken ct)
    {
        var output = response.BodyWriter;
        output.Write("data: "u8);
        Protocols.OpenAi.OpenAiErrors.Write(output, message, "api_error", null, "upstream_stream_error");
        output.Write("\n\n"u8);
        await output.FlushAsync(ct);
    }

    /// <summary>
    /// Takes one complete event (up to and including its blank line) off the front of the buffer. A line ends with CR, LF or
    /// CRLF, as the SSE spec allows. A CR at the end of the buffer ends its line at once (the event is not held back for a
    /// byte that may never come); an LF that then follows it starts the next event's bytes, where it stands for an empty
    /// line of nothing, and the bytes relayed stay the upstream's.
    /// </summary>
    /// <exception cref="InvalidDataException">The unfinished event left is already larger than <paramref name="maxEventBytes"/>
    /// (<c>general_settings.max_sse_event_bytes</c>): the upstream failed, and the buffer must not grow without bound.</exception>
    internal static bool TryReadEvent(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> evt,
        long maxEventBytes = Protocols.OpenAi.SseParser.DefaultMaxEventBytes)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryAdvanceToAny("\r\n"u8, advancePastDelimiter: false))
        {
            SkipLineEnd(ref reader);
            if (reader.TryPeek(out var next) && next is (byte)'\r' or (byte)'\n')
            {
                // An empty line: the event ends with it.
                SkipLineEnd(ref reader);
                evt = buffer.Slice(0, reader.Position);
                buffer = buffer.Slice(reader.Position);
                return true;
            }
        }

        if (buffer.Length > maxEventBytes)
        {
            throw new InvalidDataException(
                $"an upstream server-sent event is larger than {maxEventBytes} bytes (general_settings.max_sse_event_bytes)");
        }

        evt = default;
        return false;
    }

    /// <summary>Steps over the line end the reader stands on: CRLF, CR or LF.</summary>
    private static void SkipLineEnd(ref SequenceReader<byte> reader)
    {
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            reader.Advance(1);
        }
    }

    private static bool OnlyLineEnds(in ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            if (segment.Span.IndexOfAnyExcept("\r\n"u8) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether a chunk is an error object (<c>{"error":…}</c>, whitespace allowed), the way OpenAI-compatible upstreams report
    /// a failure inside a stream. Looks at the chunk's first member only: no parse, a few bytes per event.
    /// </summary>
    internal static bool IsErrorChunk(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || data[0] != (byte)'{')
        {
            return false;
        }

        var rest = data[1..].TrimStart(" \t\r\n"u8);
        if (!rest.StartsWith("\"error\""u8))
        {
            return false;
        }

        rest = rest["\"error\""u8.Length..].TrimStart(" \t\r\n"u8);
        return !rest.IsEmpty && rest[0] == (byte)':';
    }

    /// <summary>
    /// Whether a usage chunk has <c>"choices": []</c> (whitespace allowed anywhere JSON allows it): the chunk
    /// <c>stream_options.include_usage</c> adds. A byte scan of the chunks that carry usage, no parse.
    /// </summary>
    internal static bool HasEmptyChoices(ReadOnlySpan<byte> data)
    {
        var key = "\"choices\""u8;
        for (var at = data.IndexOf(key); at >= 0;)
        {
            var rest = data[(at + key.Length)..].TrimStart(" \t\r\n"u8);
            if (!rest.IsEmpty && rest[0] == (byte)':')
            {
                rest = rest[1..].TrimStart(" \t\r\n"u8);
                if (!rest.IsEmpty && rest[0] == (byte)'[')
                {
                    rest = rest[1..].TrimStart(" \t\r\n"u8);
                    return !rest.IsEmpty && rest[0] == (byte)']';
                }
            }

            data = data[(at + key.Length)..];
            at = data.IndexOf(key);
        }

        return false;
    }

    /// <summary>The joined <c>data:</c> payload of one event (first data line is enough for OpenAI chunks).</summary>
    internal static ReadOnlySpan<byte> DataPayload(ReadOnlySpan<byte> evt)
    {
        while (!evt.IsEmpty)
        {
            var end = evt.IndexOfAny((byte)'\r', (byte)'\n');
            var line = end < 0 ? evt : evt[..end];
            if (line.StartsWith("data:"u8))
            {
                line = line[5..];
                if (!line.IsEmpty && line[0] == (byte)' ')
                {
                    line = line[1..];
                }

                return line;
            }

            if (end < 0)
            {
                break;
            }

            evt = evt[(end + 1)..];
        }

        return [];
    }
}

internal readonly record struct RelayResult(TokenUsage? Usage, TimeSpan? TimeToFirstToken, bool Completed)
{
    /// <summary>
    /// Set when the client hung up mid-relay and the relay returned instead of throwing (the exception's name, for the
    /// log line): 1,000 streams cut at once otherwise rethrow ~8 exceptions each through the async frames (docs/benchmarks.md,
    /// teardown). The attempt loop treats it as <see cref="ClientGoneException"/> (architecture decision 11).
    /// </summary>
    public string? ClientGone { get; init; }

    /// <summary>
    /// The relay's way out when <paramref name="ct"/> was cancelled during a read or the client's writer is gone: the client's
    /// hang-up (RequestAborted, or a failed write) ends the relay without an exception; anything else (the call's own
    /// request_timeout) throws as before, for the attempt loop to answer.
    /// </summary>
    public static RelayResult Cut(HttpContext context, TimeSpan? ttft, string cause, CancellationToken ct)
    {
        if (cause == nameof(OperationCanceledException) && !context.RequestAborted.IsCancellationRequested)
        {
            throw new OperationCanceledException(ct);
        }

        return new RelayResult(null, ttft, false) { ClientGone = cause };
    }
}
