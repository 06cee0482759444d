using System.Buffers;
using System.Text.Json;
using Switchboard.Protocols;

namespace Switchboard.Translation.Responses;

/// <summary>
/// Writes the Responses API's event stream from the pivot's chunks (architecture decision 12), in the documented order,
/// each event with its <c>sequence_number</c>: <c>response.created</c>, <c>response.in_progress</c>, then per output item
/// <c>output_item.added</c> → its part/deltas/done events → <c>output_item.done</c>, and last <c>response.completed</c>
/// (or <c>response.incomplete</c>) with the whole response and its usage. Reasoning and text are one item at a time; tool
/// calls stay open until the answer ends (an upstream may interleave their fragments) and are closed in order then. An
/// upstream failure ends the stream with <c>error</c> and <c>response.failed</c>, never <c>response.completed</c>
/// (architecture decision 10). Not thread-safe; one per call.
/// </summary>
internal sealed class ResponsesStreamWriter : IPivotStreamWriter
{
    private readonly ResponsesRequest _request;
    private readonly int _estimatedInputTokens;
    private readonly SseEventWriter _sse = new();
    private readonly PivotChunkReader _chunk = new();
    private readonly List<PivotToolDelta> _toolDeltas = [];
    private readonly List<ToolState> _tools = [];
    private ResponseOutputItem? _open;
    private Utf8JsonWriter? _json;
    private string? _finishReason;
    private int _sequence;
    private bool _started;

    public ResponsesStreamWriter(ResponsesRequest request, string responseId, long createdAt, int estimatedInputTokens)
    {
        _request = request;
        _estimatedInputTokens = estimatedInputTokens;
        Output = new ResponseOutput(responseId, createdAt, request.RequestedModel, request.Echo);
    }

    /// <summary>The response as streamed so far; whole once <see cref="Finished"/> (what a stored response keeps).</summary>
    public ResponseOutput Output { get; }

    public bool Finished { get; private set; }

    /// <summary>Called once the response has completed (or is incomplete), not when it failed: the whole response, for storing.</summary>
    public Action<ResponseOutput>? Completed { get; init; }

    /// <summary>The stream ended with <c>response.failed</c>.</summary>
    public bool Failed { get; private set; }

    public TokenUsage? Usage { get; private set; }

    /// <summary>A <c>finish_reason</c> has arrived: what may follow (usage, <c>[DONE]</c>) adds nothing the client needs.</summary>
    public bool SawFinishReason => _finishReason is not null;

    public void OnStart(IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        WriteResponseEvent(output, "response.created"u8);
        WriteResponseEvent(output, "response.in_progress"u8);
    }

    public void OnChunk(ReadOnlySpan<byte> chunkJson, IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        OnStart(output);
        string? reasoning, content;
        _toolDeltas.Clear();
        try
        {
            _chunk.Read(chunkJson);
            reasoning = _chunk.Reasoning.Decode(chunkJson);
            content = _chunk.Content.Decode(chunkJson);
            foreach (var tool in _chunk.Tools)
            {
                // A server that leaves out the index sends whole calls, one per array position.
                _toolDeltas.Add(new PivotToolDelta(tool.Index >= 0 ? tool.Index : tool.Position, tool.Id, tool.Name, tool.Arguments.Decode(chunkJson)));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A malformed chunk carries nothing that could be forwarded faithfully; the next ones still can.
            return;
        }

        if (_chunk.ErrorMessage is { } error)
        {
            OnError(_chunk.ErrorCode is "1302" or "1303" ? "rate_limit_error" : "api_error", error, output);
            return;
        }

        if (reasoning is { Length: > 0 })
        {
            AppendText(ResponseItemKind.Reasoning, reasoning, output);
        }

        if (content is { Length: > 0 })
        {
            AppendText(ResponseItemKind.Message, content, output);
        }

        foreach (var delta in _toolDeltas)
        {
            OnToolDelta(delta, output);
        }

        if (_chunk.FinishReason is { } finish)
        {
            if (finish == "network_error")
            {
                OnError("api_error", "The upstream aborted the answer (network_error).", output);
                return;
            }

            _finishReason = finish;
        }

        if (_chunk.Usage is { } usage)
        {
            Usage = usage;
            Output.ReasoningTokens = _chunk.ReasoningTokens;
            if (_finishReason is not null)
            {
                End(output);
            }
        }
    }

    public void OnDone(IBufferWriter<byte> output)
    {
        if (!Finished)
        {
            OnStart(output);
            End(output);
        }
    }

    public void OnError(string type, string message, IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        OnStart(output);
        var code = type switch
        {
            "rate_limit_error" or "rate_limit_exceeded" => "rate_limit_exceeded",
            _ => "server_error",
        };
        var json = Begin(output, "error"u8);
        json.WriteString("code"u8, code);
        json.WriteString("message"u8, message);
        json.WriteNull("param"u8);
        End();
        Output.Status = "failed";
        Output.Error = (code, message);
        Output.Usage = Usage ?? Estimate();
        WriteResponseEvent(output, "response.failed"u8);
        Finished = true;
        Failed = true;
    }

    private void AppendText(ResponseItemKind kind, string text, IBufferWriter<byte> output)
    {
        if (_open is null || _open.Kind != kind)
        {
            CloseOpen(output);
            Open(kind, output);
        }

        var item = _open!;
        item.Text.Append(text);
        var json = Begin(output, kind == ResponseItemKind.Message ? "response.output_text.delta"u8 : "response.reasoning_summary_text.delta"u8);
        WritePartAddress(json, item);
        json.WriteString("delta"u8, text);
        if (kind == ResponseItemKind.Message)
        {
            json.WriteStartArray("logprobs"u8);
            json.WriteEndArray();
        }

        End();
    }

    private void Open(ResponseItemKind kind, IBufferWriter<byte> output)
    {
        var item = _open = Output.Add(kind);
        WriteItemEvent(output, "response.output_item.added"u8, item, done: false);
        var json = Begin(output, kind == ResponseItemKind.Message ? "response.content_part.added"u8 : "response.reasoning_summary_part.added"u8);
        WritePartAddress(json, item);
        WritePart(json, item, "");
        End();
    }

    private void CloseOpen(IBufferWriter<byte> output)
    {
        if (_open is not { } item)
        {
            return;
        }

        _open = null;
        var text = item.Text.ToString();
        var message = item.Kind == ResponseItemKind.Message;
        var json = Begin(output, message ? "response.output_text.done"u8 : "response.reasoning_summary_text.done"u8);
        WritePartAddress(json, item);
        json.WriteString("text"u8, text);
        if (message)
        {
            json.WriteStartArray("logprobs"u8);
            json.WriteEndArray();
        }

        End();
        json = Begin(output, message ? "response.content_part.done"u8 : "response.reasoning_summary_part.done"u8);
        WritePartAddress(json, item);
        WritePart(json, item, text);
        End();
        WriteItemEvent(output, "response.output_item.done"u8, item, done: true);
    }

    private void OnToolDelta(PivotToolDelta delta, IBufferWriter<byte> output)
    {
        CloseOpen(output);
        var tool = FindTool(delta);

        tool.Id ??= delta.Id is { Length: > 0 } ? delta.Id : null;
        tool.Name ??= delta.Name is { Length: > 0 } ? delta.Name : null;
        if (tool.Item is null)
        {
            if (tool.Name is null)
            {
                // The name must come first in output_item.added: hold the arguments until it arrives.
                tool.Pending.Append(delta.Arguments);
                return;
            }

            StartTool(tool, output);
        }

        WriteArguments(tool, delta.Arguments, output);
    }

    /// <summary>
    /// The call a fragment belongs to. A fragment with a new non-empty <c>id</c> is a new call even under an index already
    /// in use: Ollama, SGLang and Dynamo send parallel calls all with <c>index: 0</c>.
    /// </summary>
    private ToolState FindTool(in PivotToolDelta delta)
    {
        for (var i = _tools.Count - 1; i >= 0; i--)
        {
            var tool = _tools[i];
            if (tool.Index == delta.Index)
            {
                if (PivotToolFragment.Continues(tool.Id, delta.Id))
                {
                    return tool;
                }

                break;
            }
        }

        var created = new ToolState(delta.Index);
        _tools.Add(created);
        return created;
    }

    private void StartTool(ToolState tool, IBufferWriter<byte> output)
    {
        if (_request.ToolNames.IsCustom(tool.Name))
        {
            tool.Custom = new CustomToolInput();
        }

        var item = tool.Item = Output.Add(tool.Custom is null ? ResponseItemKind.FunctionCall : ResponseItemKind.CustomToolCall);
        (item.Namespace, item.Name) = _request.ToolNames.Restore(tool.Name ?? "");
        item.CallId = tool.Id ?? Output.CallIdFor(Output.Items.Count - 1);
        WriteItemEvent(output, "response.output_item.added"u8, item, done: false);
        if (tool.Pending.Length > 0)
        {
            var pending = tool.Pending.ToString();
            tool.Pending.Clear();
            WriteArguments(tool, pending, output);
        }
    }

    private void WriteArguments(ToolState tool, string? arguments, IBufferWriter<byte> output)
    {
        if (string.IsNullOrEmpty(arguments))
        {
            return;
        }

        var item = tool.Item!;
        if (tool.Custom is { } custom)
        {
            tool.Arguments.Append(arguments);
            WriteCustomInput(item, custom.Append(arguments), output);
            return;
        }

        item.Text.Append(arguments);
        var json = Begin(output, "response.function_call_arguments.delta"u8);
        json.WriteString("item_id"u8, item.Id);
        json.WriteNumber("output_index"u8, Output.Items.IndexOf(item));
        json.WriteString("delta"u8, arguments);
        End();
    }

    /// <summary>A custom tool's input text as it is decoded from the pivot's argument fragments.</summary>
    private void WriteCustomInput(ResponseOutputItem item, string text, IBufferWriter<byte> output)
    {
        if (text.Length == 0)
        {
            return;
        }

        item.Text.Append(text);
        var json = Begin(output, "response.custom_tool_call_input.delta"u8);
        json.WriteString("item_id"u8, item.Id);
        json.WriteNumber("output_index"u8, Output.Items.IndexOf(item));
        json.WriteString("delta"u8, text);
        End();
    }

    /// <summary>
    /// The whole input, read from the whole arguments: when the fragments were not <c>{"input": "…"}</c> (a model that
    /// wrote the text bare), what the deltas missed is sent now, so that the deltas add up to <c>.done</c>'s input.
    /// </summary>
    private void EndCustom(ToolState tool, IBufferWriter<byte> output)
    {
        var item = tool.Item!;
        var input = CustomToolInput.FromArguments(tool.Arguments.ToString());
        var sent = item.Text.ToString();
        if (input.StartsWith(sent, StringComparison.Ordinal) && input.Length > sent.Length)
        {
            WriteCustomInput(item, input[sent.Length..], output);
        }

        item.Text.Clear().Append(input);
        var json = Begin(output, "response.custom_tool_call_input.done"u8);
        json.WriteString("item_id"u8, item.Id);
        json.WriteNumber("output_index"u8, Output.Items.IndexOf(item));
        json.WriteString("input"u8, input);
        End();
        WriteItemEvent(output, "response.output_item.done"u8, item, done: true);
    }

    private void End(IBufferWriter<byte> output)
    {
        CloseOpen(output);
        foreach (var tool in _tools)
        {
            if (tool.Item is null)
            {
                StartTool(tool, output);
            }

            var item = tool.Item!;
            if (tool.Custom is not null)
            {
                EndCustom(tool, output);
                continue;
            }

            var json = Begin(output, "response.function_call_arguments.done"u8);
            json.WriteString("item_id"u8, item.Id);
            json.WriteNumber("output_index"u8, Output.Items.IndexOf(item));
            json.WriteString("name"u8, item.Name);
            json.WriteString("arguments"u8, item.Text.ToString());
            End();
            WriteItemEvent(output, "response.output_item.done"u8, item, done: true);
        }

        Output.Finish(_finishReason);
        Output.Usage = Usage ?? Estimate();
        WriteResponseEvent(output, Output.Status == "incomplete" ? "response.incomplete"u8 : "response.completed"u8);
        Finished = true;
        Completed?.Invoke(Output);
    }

    private TokenUsage Estimate() => new(_estimatedInputTokens, Output.EstimateOutputTokens(), 0, Estimated: true);

    private Utf8JsonWriter Begin(IBufferWriter<byte> output, ReadOnlySpan<byte> type)
    {
        var json = _json = _sse.Begin(output, type);
        json.WriteStartObject();
        json.WriteString("type"u8, type);
        json.WriteNumber("sequence_number"u8, _sequence++);
        return json;
    }

    private void End()
    {
        // The writer Begin returned is the SSE writer's own: close the event object, then the event.
        _json!.WriteEndObject();
        _sse.End();
    }

    private void WriteResponseEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> type)
    {
        var json = Begin(output, type);
        json.WritePropertyName("response"u8);
        Output.WriteResponse(json);
        End();
    }

    private void WriteItemEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> type, ResponseOutputItem item, bool done)
    {
        var json = Begin(output, type);
        json.WriteNumber("output_index"u8, Output.Items.IndexOf(item));
        json.WritePropertyName("item"u8);
        ResponseOutput.WriteItem(json, item, done);
        End();
    }

    private void WritePartAddress(Utf8JsonWriter json, ResponseOutputItem item)
    {
        json.WriteString("item_id"u8, item.Id);
        json.WriteNumber("output_index"u8, Output.Items.IndexOf(item));
        json.WriteNumber(item.Kind == ResponseItemKind.Message ? "content_index"u8 : "summary_index"u8, 0);
    }

    private static void WritePart(Utf8JsonWriter json, ResponseOutputItem item, string text)
    {
        json.WritePropertyName("part"u8);
        if (item.Kind == ResponseItemKind.Message)
        {
            ResponseOutput.WriteTextPart(json, text);
        }
        else
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "summary_text"u8);
            json.WriteString("text"u8, text);
            json.WriteEndObject();
        }
    }

    /// <summary>One decoded tool-call fragment: <c>id</c> and <c>name</c> normally only on an index's first fragment.</summary>
    private readonly record struct PivotToolDelta(int Index, string? Id, string? Name, string? Arguments);

    private sealed class ToolState(int index)
    {
        public int Index { get; } = index;

        public string? Id { get; set; }

        public string? Name { get; set; }

        public System.Text.StringBuilder Pending { get; } = new();

        public ResponseOutputItem? Item { get; set; }

        /// <summary>Set for a client <c>custom</c> tool: decodes its input text from the argument fragments.</summary>
        public CustomToolInput? Custom { get; set; }

        /// <summary>A custom tool's raw pivot arguments, for the final input.</summary>
        public System.Text.StringBuilder Arguments { get; } = new();
    }
}
