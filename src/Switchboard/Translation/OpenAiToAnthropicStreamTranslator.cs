using System.Buffers;
using System.Text.Json;
using Switchboard.Protocols;
using Switchboard.Protocols.Anthropic;
using Switchboard.Usage;

namespace Switchboard.Translation;

/// <summary>
/// Translates one OpenAI chat-completion stream into Anthropic's event sequence, chunk by chunk as it arrives.
/// Keeps Anthropic's order whatever the upstream does: one <c>message_start</c>, one block open at a time, every block
/// closed, <c>message_delta</c> then <c>message_stop</c> once, or an <c>error</c> event last. Not thread-safe; one per response.
/// </summary>
internal sealed partial class OpenAiToAnthropicStreamTranslator
{
    private const int EstimateCap = 4 * 1024 * 1024;

    private readonly string _requestedModel;
    private readonly string _messageId;
    private readonly ToolNameMap _names;
    private readonly int _estimatedInputTokens;
    private readonly SseEventWriter _sse = new();
    private readonly PivotChunkReader _chunk = new();
    private readonly ArrayBufferWriter<byte> _generated = new(1024);
    private readonly ArrayBufferWriter<byte> _scratch = new(256);
    private TokenUsage? _upstreamUsage;
    private TokenUsage? _finalUsage;
    private string? _finishReason;
    private string? _matchedStop;

    public OpenAiToAnthropicStreamTranslator(string requestedModel, string messageId, ToolNameMap names, int estimatedInputTokens)
    {
        _requestedModel = requestedModel;
        _messageId = messageId;
        _names = names;
        _estimatedInputTokens = estimatedInputTokens;
    }

    /// <summary>Prices the final usage for <c>message_delta</c>'s <c>usage.cost</c>; none when null.</summary>
    public Func<TokenUsage, double>? CostOf { get; init; }

    /// <summary><c>message_start</c> has been written: bytes went to the client, so retrying elsewhere is no longer possible.</summary>
    public bool Started { get; private set; }

    /// <summary><c>message_stop</c> or an <c>error</c> event has been written; further input is ignored.</summary>
    public bool Finished { get; private set; }

    /// <summary>The stream ended with an <c>error</c> event.</summary>
    public bool Failed { get; private set; }

    /// <summary>The upstream's usage when it sent one, else an estimate (tokenizer over what was generated).</summary>
    public TokenUsage Usage => _finalUsage ?? _upstreamUsage ?? EstimateUsage();

    public static void WritePing(IBufferWriter<byte> output) => output.Write("event: ping\ndata: {\"type\":\"ping\"}\n\n"u8);

    /// <summary>One SSE <c>data:</c> payload of the upstream (not <c>[DONE]</c>).</summary>
    public void OnChunk(ReadOnlySpan<byte> dataJson, IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        var chunk = _chunk;
        try
        {
            chunk.Read(dataJson);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A malformed chunk carries nothing we could forward faithfully; the next ones still can. Text that is not
            // valid Unicode (a lone surrogate escape, invalid UTF-8) throws InvalidOperationException when decoded.
            return;
        }

        if (chunk.ErrorMessage is not null)
        {
            OnUpstreamError(chunk.AnthropicErrorType ?? AnthropicErrors.Api, chunk.ErrorMessage, output);
            return;
        }

        EnsureStarted(output);
        if (chunk.Reasoning.HasText)
        {
            OnText(BlockKind.Thinking, chunk.Reasoning.Slice(dataJson), output);
        }

        if (chunk.Content.HasText)
        {
            OnText(BlockKind.Text, chunk.Content.Slice(dataJson), output);
        }

        foreach (var delta in chunk.Tools)
        {
            OnToolDelta(delta, dataJson, output);
        }

        if (chunk.FinishReason is not null)
        {
            if (chunk.FinishReason == "network_error")
            {
                OnUpstreamError(AnthropicErrors.Api, "The upstream aborted the answer (network_error).", output);
                return;
            }

            CloseAll(output);
            FlushPendingTools(output);
            _finishReason = chunk.FinishReason;
            _matchedStop = chunk.MatchedStop;
        }

        if (chunk.Usage is { } usage)
        {
            _upstreamUsage = usage;
            if (_finishReason is not null)
            {
                WriteEnd(output);
            }
        }
    }

    /// <summary><c>[DONE]</c>, or the upstream stream ended: closes everything and ends the message.</summary>
    public void OnDone(IBufferWriter<byte> output)
    {
        if (!Finished)
        {
            EnsureStarted(output);
            WriteEnd(output);
        }
    }

    /// <summary>
    /// The upstream stream ended (the connection closed) before <c>finish_reason</c> and <c>[DONE]</c>: the answer is cut,
    /// so it ends with an <c>error</c> event, not <c>message_delta</c>/<c>message_stop</c> (architecture decision 10).
    /// </summary>
    public void OnEndedEarly(IBufferWriter<byte> output) =>
        OnUpstreamError(AnthropicErrors.Api, "The upstream stream ended before it finished; the answer is incomplete.", output);

    /// <summary>A <c>finish_reason</c> has arrived: what follows (usage, <c>[DONE]</c>) adds nothing the client needs.</summary>
    public bool SawFinishReason => _finishReason is not null;

    /// <summary>
    /// The upstream failed mid-stream: close the open block and end with an <c>error</c> event, never a made-up stop reason.
    /// A tool call cut mid-arguments stays cut (its block is closed as it is), so that it is never taken for a complete call.
    /// </summary>
    public void OnUpstreamError(string errorType, string message, IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        DropHeld();
        CloseOpen(output, complete: false);
        var json = _sse.Begin(output, "error"u8);
        AnthropicErrors.WriteObject(json, errorType, message, requestId: null);
        _sse.End();
        Finished = true;
        Failed = true;
        _finalUsage = Usage;
    }

    /// <summary>
    /// Writes <c>message_start</c> now, before any chunk (once; the chunks then add to it): the relay sends it with the
    /// response headers, as Anthropic's own API starts every stream, so the client sees the message start while the upstream
    /// thinks. Without it the first chunk writes it, and a stream whose first chunk is an error has none.
    /// </summary>
    public void Start(IBufferWriter<byte> output) => EnsureStarted(output);

    private void EnsureStarted(IBufferWriter<byte> output)
    {
        if (Started)
        {
            return;
        }

        Started = true;
        var json = _sse.Begin(output, "message_start"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "message_start"u8);
        json.WriteStartObject("message"u8);
        json.WriteString("id"u8, _messageId);
        json.WriteString("type"u8, "message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("model"u8, _requestedModel);
        json.WriteStartArray("content"u8);
        json.WriteEndArray();
        json.WriteNull("stop_reason"u8);
        json.WriteNull("stop_sequence"u8);
        OpenAiResponseTranslator.WriteUsage(json, new TokenUsage(_estimatedInputTokens, 1, 0, Estimated: true));
        json.WriteEndObject();
        json.WriteEndObject();
        _sse.End();
    }

    private void WriteEnd(IBufferWriter<byte> output)
    {
        CloseAll(output);
        FlushPendingTools(output);
        var stopReason = StopReasons.ToAnthropic(_finishReason);
        if (stopReason == "end_turn" && _toolBlocks > 0)
        {
            stopReason = "tool_use";
        }
        else if (stopReason == "tool_use" && _toolBlocks == 0)
        {
            stopReason = "end_turn";
        }

        var usage = Usage;
        var json = _sse.Begin(output, "message_delta"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "message_delta"u8);
        json.WriteStartObject("delta"u8);
        if (stopReason == "end_turn" && _finishReason == "stop" && !string.IsNullOrEmpty(_matchedStop))
        {
            json.WriteString("stop_reason"u8, "stop_sequence"u8);
            json.WriteString("stop_sequence"u8, _matchedStop);
        }
        else
        {
            json.WriteString("stop_reason"u8, stopReason);
            json.WriteNull("stop_sequence"u8);
        }

        json.WriteEndObject();
        OpenAiResponseTranslator.WriteUsage(json, usage, CostOf?.Invoke(usage));
        json.WriteEndObject();
        _sse.End();

        json = _sse.Begin(output, "message_stop"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "message_stop"u8);
        json.WriteEndObject();
        _sse.End();
        Finished = true;
        _finalUsage = usage;
    }

    private TokenUsage EstimateUsage()
    {
        var output = 0;
        if (_generated.WrittenCount > 0)
        {
            // The buffer holds JSON string bodies as the upstream escaped them; decode them once, here.
            _scratch.ResetWrittenCount();
            _scratch.Write("\""u8);
            _scratch.Write(_generated.WrittenSpan);
            _scratch.Write("\""u8);
            output = TokenCounter.CountText(DecodeJsonString(_scratch.WrittenSpan) ?? "");
        }

        return new TokenUsage(_estimatedInputTokens, output, 0, Estimated: true);
    }

    private void RecordGenerated(ReadOnlySpan<byte> escapedBody)
    {
        if (_generated.WrittenCount + escapedBody.Length <= EstimateCap)
        {
            _generated.Write(escapedBody);
        }
    }

    private static string? DecodeJsonString(ReadOnlySpan<byte> quoted)
    {
        try
        {
            var reader = new Utf8JsonReader(quoted);
            return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
