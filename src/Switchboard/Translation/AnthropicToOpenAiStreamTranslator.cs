using System.Buffers;
using System.Text.Json;
using Switchboard.Protocols;
using Switchboard.Protocols.OpenAi;

namespace Switchboard.Translation;

/// <summary>
/// Translates one Anthropic event stream into OpenAI <c>chat.completion.chunk</c> lines: a role chunk first, content,
/// reasoning and tool-call deltas, a final chunk with <c>finish_reason</c>, a usage chunk when asked, <c>data: [DONE]</c>.
/// Not thread-safe; one per response.
/// </summary>
internal sealed class AnthropicToOpenAiStreamTranslator
{
    private readonly string _requestedModel;
    private readonly long _created;
    private readonly bool _includeUsage;
    private readonly string? _jsonTool;
    private readonly SseEventWriter _sse = new();
    private string _id;
    private int _inputTokens;
    private int _cachedTokens;
    private int _outputTokens;
    private bool _hasUsage;
    private string? _stopReason;
    private int _toolCount;
    private int _currentTool = -1;
    private bool _currentToolHasArguments;

    // The forced JSON tool's block is open: its argument fragments are the answer's text.
    private bool _inJsonBlock;

    /// <param name="created">Unix seconds, from the caller's <see cref="TimeProvider"/>.</param>
    /// <param name="jsonTool">
    /// The forced tool that carries a JSON <c>response_format</c> answer (<see cref="TranslatedRequest.JsonToolName"/>):
    /// its argument fragments stream as content deltas, and the answer ends with a plain stop.
    /// </param>
    public AnthropicToOpenAiStreamTranslator(string requestedModel, long created, bool includeUsage, string? completionId = null,
        string? jsonTool = null)
    {
        _requestedModel = requestedModel;
        _jsonTool = jsonTool;
        _created = created;
        _includeUsage = includeUsage;
        _id = completionId ?? StopReasons.CompletionId(null);
    }

    public bool Started { get; private set; }

    public bool Finished { get; private set; }

    public bool Failed { get; private set; }

    public TokenUsage Usage => new(_inputTokens, _outputTokens, _cachedTokens, Estimated: !_hasUsage);

    /// <summary>One upstream SSE event: its <c>event:</c> name and <c>data:</c> payload.</summary>
    public void OnEvent(string eventName, ReadOnlySpan<byte> dataJson, IBufferWriter<byte> output)
    {
        if (Finished || eventName is "ping")
        {
            return;
        }

        if (eventName == "content_block_stop")
        {
            if (_inJsonBlock)
            {
                if (!_currentToolHasArguments)
                {
                    WriteStringDelta(output, "content"u8, "{}");
                }

                _inJsonBlock = false;
                return;
            }

            // Anthropic sends no input_json_delta for a tool without arguments; OpenAI clients parse "" and fail.
            if (_currentTool >= 0 && !_currentToolHasArguments)
            {
                WriteArguments(output, "{}");
            }

            _currentTool = -1;
            return;
        }

        // Text that is not valid Unicode would throw when decoded, halfway through the event: drop it like a malformed one.
        if (!Protocols.JsonUnicode.IsValid(dataJson))
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonInput.Parse(dataJson, "An upstream event");
        }
        catch (TranslationException)
        {
            return;
        }

        using (document)
        {
            var data = document.RootElement;
            switch (eventName)
            {
                case "message_start":
                    OnMessageStart(data, output);
                    break;
                case "content_block_start":
                    OnBlockStart(data, output);
                    break;
                case "content_block_delta":
                    OnBlockDelta(data, output);
                    break;
                case "message_delta":
                    OnMessageDelta(data);
                    break;
                case "message_stop":
                    OnEnd(output);
                    break;
                case "error":
                    var error = data.TryGet("error", JsonValueKind.Object, out var e) ? e : data;
                    OnUpstreamError(error.GetString("type") ?? "api_error", error.GetString("message") ?? "The upstream failed.", output);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary><c>message_stop</c>: final chunk, usage chunk, <c>[DONE]</c>.</summary>
    public void OnEnd(IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        EnsureStarted(output);
        var json = BeginChunk(output);
        json.WriteStartObject("delta"u8);
        json.WriteEndObject();
        // A tool_use stop with only the JSON tool called is a plain answer.
        var stopReason = _stopReason == "tool_use" && _toolCount == 0 ? "end_turn" : _stopReason;
        EndChunk(json, StopReasons.ToOpenAi(stopReason ?? (_toolCount > 0 ? "tool_use" : "end_turn")));
        if (_includeUsage)
        {
            json = _sse.BeginData(output);
            WriteChunkHeader(json);
            json.WriteStartArray("choices"u8);
            json.WriteEndArray();
            AnthropicResponseTranslator.WriteUsage(json, Usage);
            json.WriteEndObject();
            _sse.End();
        }

        output.Write("data: [DONE]\n\n"u8);
        Finished = true;
    }

    /// <summary>
    /// The upstream stream ended (the connection closed) before <c>message_stop</c>: an error chunk, never a
    /// <c>finish_reason</c> or <c>[DONE]</c>, so that a cut answer is not taken for a whole one (architecture decision 10).
    /// </summary>
    public void OnEndedEarly(IBufferWriter<byte> output) =>
        OnUpstreamError("api_error", "The upstream stream ended before it finished; the answer is incomplete.", output);

    /// <summary>The upstream failed mid-stream: an OpenAI-shaped error chunk, then nothing.</summary>
    public void OnUpstreamError(string errorType, string message, IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        // Anthropic type names (overloaded_error…) become OpenAI ones through the status they stand for.
        var type = errorType.EndsWith("_error", StringComparison.Ordinal) && errorType != "invalid_request_error"
            ? OpenAiErrors.TypeForStatus(Protocols.Anthropic.AnthropicErrors.StatusForType(errorType))
            : errorType;
        var json = _sse.BeginData(output);
        OpenAiErrors.WriteObject(json, message, type, null, null);
        _sse.End();
        Finished = true;
        Failed = true;
    }

    private void OnMessageStart(JsonElement data, IBufferWriter<byte> output)
    {
        if (data.TryGet("message", JsonValueKind.Object, out var message))
        {
            if (!Started && message.GetString("id") is { } id)
            {
                _id = StopReasons.CompletionId(id);
            }

            ApplyUsage(message);
        }

        EnsureStarted(output);
    }

    private void OnBlockStart(JsonElement data, IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        if (!data.TryGet("content_block", JsonValueKind.Object, out var block))
        {
            return;
        }

        switch (block.GetString("type"))
        {
            case "text" when block.GetString("text") is { Length: > 0 } text:
                WriteStringDelta(output, "content"u8, text);
                break;
            case "thinking" when block.GetString("thinking") is { Length: > 0 } thinking:
                WriteStringDelta(output, "reasoning_content"u8, thinking);
                break;
            case "tool_use" when _jsonTool is not null && block.GetString("name") == _jsonTool:
                _inJsonBlock = true;
                _currentToolHasArguments = false;
                break;
            case "tool_use":
                _currentTool = _toolCount++;
                _currentToolHasArguments = false;
                var json = BeginChunk(output);
                json.WriteStartObject("delta"u8);
                json.WriteStartArray("tool_calls"u8);
                json.WriteStartObject();
                json.WriteNumber("index"u8, _currentTool);
                json.WriteString("id"u8, block.GetString("id"));
                json.WriteString("type"u8, "function"u8);
                json.WriteStartObject("function"u8);
                json.WriteString("name"u8, block.GetString("name"));
                json.WriteString("arguments"u8, ""u8);
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
                EndChunk(json, null);
                break;
            default:
                break;
        }
    }

    private void OnBlockDelta(JsonElement data, IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        if (!data.TryGet("delta", JsonValueKind.Object, out var delta))
        {
            return;
        }

        switch (delta.GetString("type"))
        {
            case "text_delta" when delta.GetString("text") is { Length: > 0 } text:
                WriteStringDelta(output, "content"u8, text);
                break;
            case "thinking_delta" when delta.GetString("thinking") is { Length: > 0 } thinking:
                WriteStringDelta(output, "reasoning_content"u8, thinking);
                break;
            case "input_json_delta" when _inJsonBlock && delta.GetString("partial_json") is { Length: > 0 } answer:
                _currentToolHasArguments = true;
                WriteStringDelta(output, "content"u8, answer);
                break;
            case "input_json_delta" when _currentTool >= 0 && delta.GetString("partial_json") is { Length: > 0 } partial:
                _currentToolHasArguments = true;
                WriteArguments(output, partial);
                break;
            default:
                break;
        }
    }

    private void WriteArguments(IBufferWriter<byte> output, string arguments)
    {
        var json = BeginChunk(output);
        json.WriteStartObject("delta"u8);
        json.WriteStartArray("tool_calls"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, _currentTool);
        json.WriteStartObject("function"u8);
        json.WriteString("arguments"u8, arguments);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        EndChunk(json, null);
    }

    private void OnMessageDelta(JsonElement data)
    {
        if (data.TryGet("delta", JsonValueKind.Object, out var delta) && delta.GetString("stop_reason") is { } stopReason)
        {
            _stopReason = stopReason;
        }

        ApplyUsage(data);
    }

    private void ApplyUsage(JsonElement holder)
    {
        if (!holder.TryGet("usage", JsonValueKind.Object, out var usage))
        {
            return;
        }

        // message_delta repeats only what changed; a field it leaves out keeps its message_start value.
        if (usage.TryGet("input_tokens", JsonValueKind.Number, out _) || usage.TryGet("cache_read_input_tokens", JsonValueKind.Number, out _))
        {
            var cached = usage.TryGet("cache_read_input_tokens", JsonValueKind.Number, out _) ? usage.GetInt("cache_read_input_tokens") : _cachedTokens;
            var fresh = usage.TryGet("input_tokens", JsonValueKind.Number, out _)
                ? usage.GetInt("input_tokens")
                : _inputTokens - _cachedTokens;
            _cachedTokens = cached;
            _inputTokens = fresh + cached + usage.GetInt("cache_creation_input_tokens");
        }

        if (usage.TryGet("output_tokens", JsonValueKind.Number, out _))
        {
            _outputTokens = usage.GetInt("output_tokens");
        }

        _hasUsage = true;
    }

    private void EnsureStarted(IBufferWriter<byte> output)
    {
        if (Started)
        {
            return;
        }

        Started = true;
        var json = BeginChunk(output);
        json.WriteStartObject("delta"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("content"u8, ""u8);
        json.WriteEndObject();
        EndChunk(json, null);
    }

    private void WriteStringDelta(IBufferWriter<byte> output, ReadOnlySpan<byte> field, string value)
    {
        var json = BeginChunk(output);
        json.WriteStartObject("delta"u8);
        json.WriteString(field, value);
        json.WriteEndObject();
        EndChunk(json, null);
    }

    private Utf8JsonWriter BeginChunk(IBufferWriter<byte> output)
    {
        var json = _sse.BeginData(output);
        WriteChunkHeader(json);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        return json;
    }

    private void WriteChunkHeader(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, _id);
        json.WriteString("object"u8, "chat.completion.chunk"u8);
        json.WriteNumber("created"u8, _created);
        json.WriteString("model"u8, _requestedModel);
    }

    private void EndChunk(Utf8JsonWriter json, string? finishReason)
    {
        if (finishReason is null)
        {
            json.WriteNull("finish_reason"u8);
        }
        else
        {
            json.WriteString("finish_reason"u8, finishReason);
        }

        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        _sse.End();
    }
}
