using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Switchboard.Protocols;
using Switchboard.Translation.Responses;
using Switchboard.Upstream;

namespace Switchboard.Api;

/// <summary>
/// Relays the answer of a deployment that speaks the Responses API itself (<c>model_info.supported_endpoints</c> lists
/// <c>/v1/responses</c>): no pivot, the bytes go to the client as they arrive (architecture decision 3), event by event.
/// Only the terminal events (<c>response.completed</c>, <c>.incomplete</c>, <c>.failed</c>, <c>error</c>) are read, for
/// the usage and for the check that the stream ended (architecture decision 10).
/// </summary>
internal static class ResponsesNativeRelay
{
    private enum Terminal
    {
        None,
        Completed,
        Failed,

        /// <summary>An <c>error</c> event: the stream failed, though <c>response.failed</c> may still follow.</summary>
        Error,
    }

    /// <summary>The last <c>sequence_number</c> a stream relayed (-1 before any), kept by the call for its closing <c>error</c> event.</summary>
    internal sealed class Sequence
    {
        public long Last { get; set; } = -1;

        /// <summary>The number the gateway's own next event takes.</summary>
        public long Next => Last + 1;
    }

    public static async Task<RelayResult> RelayAsync(HttpContext context, UpstreamResponse response, bool stream, CallState call, TimeProvider time,
        Sequence sequence, CancellationToken ct)
    {
        var http = context.Response;
        if (!stream)
        {
            var readStarted = time.GetTimestamp();
            // The checked answer in the response's pooled buffer, valid until the response is disposed (after this relay).
            var bytes = await response.BufferAsync(256L * 1024 * 1024, ct);
            call.UpstreamTime += time.GetElapsedTime(readStarted);
            TokenUsage? usage = ResponsesUsage.TryRead(bytes.Span, out var u) && u.InputTokens + u.OutputTokens > 0 ? u : null;
            return await Answer.WriteJsonAsync(http, bytes.Span, usage, call, time, ct);
        }

        sequence.Last = -1;
        await Answer.StartEventStreamAsync(http, call, time, ct);
        var reader = PipeReader.Create(response.Body, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 1024));
        var output = http.BodyWriter;
        TokenUsage? streamed = null;
        TimeSpan? ttft = null;
        var terminal = Terminal.None;
        var sawError = false;
        try
        {
            var flush = new MergedFlush();
            while (terminal == Terminal.None)
            {
                var read = reader.ReadAsync(ct);
                if (flush.Due(read.IsCompleted) && !await MergedFlush.TryFlushAsync(output, ct))
                {
                    await MergedFlush.AbandonAsync(reader, read);
                    ct.ThrowIfCancellationRequested();
                    throw new ClientGoneException();
                }

                var result = await read;
                var buffer = result.Buffer;
                var consumed = buffer.Start;
                while (terminal == Terminal.None && SseRelay.TryReadEvent(ref buffer, out var evt, call.MaxSseEventBytes))
                {
                    consumed = buffer.Start;
                    ttft ??= time.GetElapsedTime(call.StartTimestamp);
                    var eventSpan = evt.IsSingleSegment ? evt.FirstSpan : evt.ToArray();
                    if (call.Secrets is { Count: > 0 } secrets && eventSpan.IndexOf("error"u8) >= 0)
                    {
                        // An upstream's error text may echo the key it was sent (architecture decision 8).
                        eventSpan = secrets.RedactUtf8(eventSpan.ToArray()).Span;
                    }

                    var data = SseRelay.DataPayload(eventSpan);
                    if (SequenceNumberOf(data) is >= 0 and var number)
                    {
                        sequence.Last = number;
                    }

                    var type = TerminalOf(data);
                    if (type == Terminal.Error)
                    {
                        sawError = true;
                    }
                    else if (type != Terminal.None)
                    {
                        terminal = type;
                    }

                    if (terminal != Terminal.None && ResponsesUsage.TryRead(data, out var u))
                    {
                        streamed = u;
                        call.Delivered.ReportUsage(u);
                    }

                    output.Write(eventSpan);
                }

                reader.AdvanceTo(consumed, result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await Answer.FlushToClientAsync(output, ct);
        }
        finally
        {
            await reader.CompleteAsync();
        }

        if (terminal == Terminal.None && !sawError)
        {
            // Codex takes a stream without response.completed for an error; so does the gateway (architecture decision 10).
            throw new IOException("the upstream stream ended before response.completed");
        }

        return new RelayResult(streamed, ttft, terminal == Terminal.Completed && !sawError);
    }

    /// <summary>The event's <c>type</c>, when it ends the stream; a skim of its first members (<c>type</c> comes first).</summary>
    private static Terminal TerminalOf(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || data[0] != (byte)'{')
        {
            return Terminal.None;
        }

        try
        {
            var reader = new Utf8JsonReader(data);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                reader.Read();
                return reader.TokenType != JsonTokenType.String ? Terminal.None
                    : reader.ValueTextEquals("response.completed"u8) || reader.ValueTextEquals("response.incomplete"u8) ? Terminal.Completed
                    : reader.ValueTextEquals("response.failed"u8) ? Terminal.Failed
                    : reader.ValueTextEquals("error"u8) ? Terminal.Error
                    : Terminal.None;
            }
        }
        catch (JsonException)
        {
            // An event cut short (only possible at the very end) carries no terminal type anyone could rely on.
        }

        return Terminal.None;
    }

    /// <summary>
    /// The event's <c>sequence_number</c>, or -1 when it has none: a byte search rather than a parse, since every event
    /// passes here. The member's name cannot match inside a string value (each quote there is escaped), and the last
    /// match is the event's own (the API writes it last; no nested object carries one).
    /// </summary>
    internal static long SequenceNumberOf(ReadOnlySpan<byte> data)
    {
        var name = "\"sequence_number\""u8;
        var at = data.LastIndexOf(name);
        if (at < 0)
        {
            return -1;
        }

        var rest = data[(at + name.Length)..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] != (byte)':')
        {
            return -1;
        }

        return Utf8Parser.TryParse(rest[1..].TrimStart(" \t\r\n"u8), out long number, out _) && number >= 0 ? number : -1;
    }

    /// <summary>
    /// Ends a passed-through stream that broke after its first byte with the Responses API's <c>error</c> event, numbered
    /// after the last event relayed (every event of the stream carries a <c>sequence_number</c>).
    /// </summary>
    public static async Task WriteStreamErrorAsync(HttpResponse response, string message, long sequenceNumber, CancellationToken ct)
    {
        var output = response.BodyWriter;
        output.Write("event: error\ndata: "u8);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "error"u8);
            json.WriteString("code"u8, "server_error"u8);
            json.WriteString("message"u8, message);
            json.WriteNull("param"u8);
            json.WriteNumber("sequence_number"u8, sequenceNumber);
            json.WriteEndObject();
        }

        output.Write("\n\n"u8);
        await output.FlushAsync(ct);
    }
}
