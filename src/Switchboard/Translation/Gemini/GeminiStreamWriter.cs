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
    private readonly List<GeminiToolCallBuffer?> _tools = [];
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

        Chunk chunk;
        try
        {
            chunk = Parse(chunkJson);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A malformed chunk carries nothing that could be forwarded faithfully; the next ones still can.
            return;
        }

        if (chunk.ErrorMessage is not null)
        {
            OnError(chunk.ErrorType ?? AnthropicErrors.Api, chunk.ErrorMessage, output);
            return;
        }

        if (chunk.FinishReason == "network_error")
        {
            OnError(AnthropicErrors.Api, "The upstream aborted the answer (network_error).", output);
            return;
        }

        if (chunk.Usage is { } usage)
        {
            _usage = usage;
        }

        var reasoning = chunk.Reasoning.Length > 2 ? chunkJson.Slice(chunk.Reasoning.Start, chunk.Reasoning.Length) : default;
        var content = chunk.Content.Length > 2 ? chunkJson.Slice(chunk.Content.Start, chunk.Content.Length) : default;
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
                if (tool?.Name is { } name)
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
            text += tool?.Name + tool?.Arguments();
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

    /// <summary>One pass with <see cref="Utf8JsonReader"/>; text values are kept as ranges of the input (quotes included, still escaped).</summary>
    private Chunk Parse(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        var chunk = default(Chunk);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A chunk must be an object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                var first = true;
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    if (first)
                    {
                        ReadChoice(ref reader, ref chunk, data);
                        first = false;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    chunk.Usage = GeminiUsage.Read(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("id"u8) && _responseId is null)
            {
                reader.Read();
                _responseId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                ReadError(ref reader, ref chunk);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return chunk;
    }

    private void ReadChoice(ref Utf8JsonReader reader, ref Chunk chunk, ReadOnlySpan<byte> data)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadDelta(ref reader, ref chunk, data);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    chunk.FinishReason = reader.GetString();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadDelta(ref Utf8JsonReader reader, ref Chunk chunk, ReadOnlySpan<byte> data)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    chunk.Content = RangeOf(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    chunk.Reasoning = RangeOf(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadToolDelta(ref reader, data);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadToolDelta(ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
    {
        var index = _tools.Count == 0 ? 0 : _tools.Count - 1;
        string? id = null, name = null;
        ValueRange arguments = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var i) && i is >= 0 and < 1024)
                {
                    index = i;
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("function"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("name"u8))
                    {
                        reader.Read();
                        name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    }
                    else if (reader.ValueTextEquals("arguments"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            arguments = RangeOf(ref reader);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        while (_tools.Count <= index)
        {
            _tools.Add(null);
        }

        var tool = _tools[index] ??= new GeminiToolCallBuffer();
        if (!string.IsNullOrEmpty(id))
        {
            tool.Id ??= id;
        }

        if (!string.IsNullOrEmpty(name))
        {
            tool.Name ??= name;
        }

        if (arguments.Length > 2)
        {
            tool.Add(data.Slice(arguments.Start + 1, arguments.Length - 2));
        }
    }

    private static void ReadError(ref Utf8JsonReader reader, ref Chunk chunk)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            chunk.ErrorMessage = reader.GetString();
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        chunk.ErrorMessage = "The upstream failed during the answer.";
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    chunk.ErrorMessage = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                // Z.ai business codes: 1302/1303 too many calls, 1305 overloaded.
                var code = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                chunk.ErrorType = code switch
                {
                    "1302" or "1303" => AnthropicErrors.RateLimit,
                    "1305" => AnthropicErrors.Overloaded,
                    _ => chunk.ErrorType,
                };
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static ValueRange RangeOf(ref Utf8JsonReader reader) => new((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);

    private readonly record struct ValueRange(int Start, int Length);

    private struct Chunk
    {
        public ValueRange Content;
        public ValueRange Reasoning;
        public string? FinishReason;
        public GeminiUsage? Usage;
        public string? ErrorMessage;
        public string? ErrorType;
    }
}
