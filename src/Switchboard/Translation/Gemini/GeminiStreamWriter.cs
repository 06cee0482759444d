using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Switchboard.Protocols;
using Switchboard.Protocols.Anthropic;
using Switchboard.Usage;

namespace Switchboard.Translation.Gemini;

/// <summary>
/// Writes Gemini's <c>:streamGenerateContent</c> answer from the pivot's chunks, event by event (architecture decision
/// 12). Text and thoughts go out in the chunk they came in, forwarded as the upstream escaped them; a function call goes
/// out whole once the pivot's <c>finish_reason</c> says its arguments are complete; the last event carries
/// <c>finishReason</c> and <c>usageMetadata</c>. A failure ends the stream with Google's error object, never a finish
/// reason (architecture decision 10). Not thread-safe; one per call.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "A Utf8JsonWriter over a buffer writer holds no resource; disposing only flushes.")]
internal sealed class GeminiStreamWriter : IPivotStreamWriter
{
    private const int EstimateCap = 4 * 1024 * 1024;

    private readonly GeminiPivotRequest _request;
    private readonly GeminiStreamFraming _framing;
    private readonly int _estimatedInputTokens;
    private readonly Utf8JsonWriter _json = new(new ArrayBufferWriter<byte>(1), JsonWriting.Options);
    private readonly List<GeminiToolCallBuffer> _tools = [];
    private readonly PivotChunkReader _chunk = new();
    private readonly ArrayBufferWriter<byte> _generated = new(256);
    private string? _responseId;
    private string? _finishReason;
    private GeminiUsage? _usage;
    private bool _toolsWritten;
    private int _events;

    public GeminiStreamWriter(GeminiPivotRequest request, GeminiStreamFraming framing, string? responseId, int estimatedInputTokens)
    {
        _request = request;
        _framing = framing;
        _responseId = responseId;
        _estimatedInputTokens = estimatedInputTokens;
    }

    public bool Finished { get; private set; }

    /// <summary>The stream ended with Google's error object.</summary>
    public bool Failed { get; private set; }

    /// <summary>A <c>finish_reason</c> has arrived: what follows (usage, <c>[DONE]</c>) adds nothing but the usage.</summary>
    public bool SawFinishReason => _finishReason is not null;

    public TokenUsage? Usage => _usage?.Tokens;

    /// <summary>The usage the client was told: the upstream's, else an estimate over what was generated.</summary>
    public TokenUsage UsageOrEstimate => (_usage ?? Estimate()).Tokens;

    public void OnStart(IBufferWriter<byte> output)
    {
        // Nothing to say before the first chunk: Gemini has no opening event.
    }

    public void OnChunk(ReadOnlySpan<byte> chunkJson, IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        var chunk = _chunk;
        try
        {
            chunk.Read(chunkJson);
            if (_responseId is null && chunk.Id.Length >= 2)
            {
                _responseId = chunk.Id.Decode(chunkJson);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A malformed chunk carries nothing that could be forwarded faithfully; the next ones still can.
            return;
        }

        foreach (var fragment in chunk.Tools)
        {
            AddToolFragment(fragment, chunkJson);
        }

        if (chunk.ErrorMessage is not null)
        {
            OnError(chunk.AnthropicErrorType ?? AnthropicErrors.Api, chunk.ErrorMessage, output);
            return;
        }

        if (chunk.FinishReason == "network_error")
        {
            OnError(AnthropicErrors.Api, "The upstream aborted the answer (network_error).", output);
            return;
        }

        if (chunk.Usage is { } usage)
        {
            _usage = new GeminiUsage(usage, chunk.ReasoningTokens);
        }

        var reasoning = chunk.Reasoning.HasText ? chunk.Reasoning.Slice(chunkJson) : default;
        var content = chunk.Content.HasText ? chunk.Content.Slice(chunkJson) : default;
        Record(reasoning);
        Record(content);
        if (!_request.IncludeThoughts)
        {
            reasoning = default;
        }

        _finishReason ??= chunk.FinishReason;
        var final = _finishReason is not null && _usage is not null;
        var tools = _finishReason is not null && !_toolsWritten && _tools.Count > 0;
        if (!reasoning.IsEmpty || !content.IsEmpty || tools || final)
        {
            WriteEvent(output, reasoning, content, tools, final);
        }
    }

    public void OnDone(IBufferWriter<byte> output)
    {
        if (!Finished)
        {
            WriteEvent(output, default, default, !_toolsWritten && _tools.Count > 0, final: true);
        }
    }

    public void OnError(string type, string message, IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        // Text already sent stays; a function call not yet written is never written: cut arguments are no call.
        var json = Begin(output);
        GeminiErrors.WriteObject(json, GeminiErrors.CodeForType(type), message);
        End(output, last: true);
        Finished = true;
        Failed = true;
    }

    private void WriteEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> reasoning, ReadOnlySpan<byte> content, bool tools, bool final)
    {
        var json = Begin(output);
        json.WriteStartObject();
        json.WriteStartArray("candidates"u8);
        json.WriteStartObject();
        json.WriteStartObject("content"u8);
        json.WriteStartArray("parts"u8);
        var parts = 0;
        if (!reasoning.IsEmpty)
        {
            json.WriteStartObject();
            json.WritePropertyName("text"u8);
            json.WriteRawValue(reasoning, skipInputValidation: true);
            json.WriteBoolean("thought"u8, true);
            json.WriteEndObject();
            parts++;
        }

        if (!content.IsEmpty)
        {
            json.WriteStartObject();
            json.WritePropertyName("text"u8);
            json.WriteRawValue(content, skipInputValidation: true);
            json.WriteEndObject();
            parts++;
        }

        if (tools)
        {
            foreach (var tool in _tools)
            {
                if (tool.Name is { } name)
                {
                    GeminiAnswerTranslator.WriteFunctionCall(json, tool.Id, _request.ToolNames.Restore(name), tool.Arguments());
                    parts++;
                }
            }

            _toolsWritten = true;
        }

        if (parts == 0)
        {
            // Google's last chunk, too, carries an empty text part beside its finish reason.
            json.WriteStartObject();
            json.WriteString("text"u8, ""u8);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteString("role"u8, "model"u8);
        json.WriteEndObject();
        if (final)
        {
            json.WriteString("finishReason"u8, GeminiFinishReasons.FromPivot(_finishReason));
        }

        json.WriteNumber("index"u8, 0);
        json.WriteEndObject();
        json.WriteEndArray();
        if (final)
        {
            (_usage ?? Estimate()).Write(json);
        }

        json.WriteString("modelVersion"u8, _request.RequestedModel);
        if (_responseId is not null)
        {
            json.WriteString("responseId"u8, _responseId);
        }

        json.WriteEndObject();
        End(output, last: final);
        if (final)
        {
            Finished = true;
        }
    }

    private Utf8JsonWriter Begin(IBufferWriter<byte> output)
    {
        if (_framing == GeminiStreamFraming.Sse)
        {
            output.Write("data: "u8);
        }
        else
        {
            output.Write(_events == 0 ? "["u8 : ",\r\n"u8);
        }

        _events++;
        _json.Reset(output);
        return _json;
    }

    private void End(IBufferWriter<byte> output, bool last)
    {
        _json.Flush();
        if (_framing == GeminiStreamFraming.Sse)
        {
            output.Write("\r\n\r\n"u8);
        }
        else if (last)
        {
            output.Write("]"u8);
        }
    }

    private void Record(ReadOnlySpan<byte> quoted)
    {
        if (quoted.Length > 2 && _usage is null && _generated.WrittenCount + quoted.Length <= EstimateCap)
        {
            _generated.Write(quoted[1..^1]);
        }
    }

    private GeminiUsage Estimate()
    {
        var text = _generated.WrittenCount == 0 ? "" : DecodeBody(_generated.WrittenSpan);
        foreach (var tool in _tools)
        {
            text += tool.Name + tool.Arguments();
        }

        return new GeminiUsage(new TokenUsage(_estimatedInputTokens, TokenCounter.CountText(text), 0, Estimated: true), 0);
    }

    private static string DecodeBody(ReadOnlySpan<byte> escapedBody)
    {
        var quoted = new byte[escapedBody.Length + 2];
        quoted[0] = (byte)'"';
        escapedBody.CopyTo(quoted.AsSpan(1));
        quoted[^1] = (byte)'"';
        try
        {
            var reader = new Utf8JsonReader(quoted);
            return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return "";
        }
    }

    /// <summary>
    /// One tool-call fragment into its call's buffer: a fragment without an index continues the last call, and one with a
    /// new non-empty <c>id</c> is a new call even under an index already in use (Ollama, SGLang and Dynamo send parallel
    /// calls all with <c>index: 0</c>). Calls are kept in index order, a reused index's calls in the order they came.
    /// </summary>
    private void AddToolFragment(in PivotToolFragment fragment, ReadOnlySpan<byte> data)
    {
        var index = fragment.Index is >= 0 and < 1024 ? fragment.Index : _tools.Count == 0 ? 0 : _tools[^1].Index;
        var at = _tools.Count;
        while (at > 0 && _tools[at - 1].Index > index)
        {
            at--;
        }

        var tool = at > 0 && _tools[at - 1].Index == index ? _tools[at - 1] : null;
        if (tool is null || !PivotToolFragment.Continues(tool.Id, fragment.Id))
        {
            tool = new GeminiToolCallBuffer(index);
            _tools.Insert(at, tool);
        }

        if (!string.IsNullOrEmpty(fragment.Id))
        {
            tool.Id ??= fragment.Id;
        }

        if (!string.IsNullOrEmpty(fragment.Name))
        {
            tool.Name ??= fragment.Name;
        }

        if (fragment.Arguments.HasText)
        {
            tool.Add(fragment.Arguments.Body(data));
        }
    }
}
