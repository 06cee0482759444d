using System.Text;
using System.Text.Json;

namespace Switchboard.Translation.Responses;

/// <summary>
/// Writes the pivot's <c>messages</c> from <c>instructions</c>, the stored history and the <c>input</c> items. Assistant
/// output items of one turn (<c>reasoning</c>, <c>message</c>, <c>function_call</c>…) become one assistant message with
/// <c>tool_calls</c>, so that every <c>function_call_output</c> (a <c>tool</c> message) follows the call it answers, as
/// chat completions requires. System and developer text goes into the leading system message for GLM (Z.ai refuses a
/// system role after the first turn) and stays in place for other upstreams.
/// </summary>
internal sealed class ResponsesConversation(Utf8JsonWriter json, ResponsesToolNames names, TranslationNotes notes, bool isGlm)
{
    private readonly StringBuilder _system = new();
    private StringBuilder? _text;
    private StringBuilder? _reasoning;
    private readonly List<(string Id, string Name, string Arguments)> _calls = [];
    private long _start;

    public void WriteAll(JsonElement root, JsonElement? history, JsonElement input)
    {
        json.WriteStartArray("messages"u8);
        _start = json.BytesCommitted + json.BytesPending;
        if (root.GetString("instructions") is { Length: > 0 } instructions)
        {
            _system.Append(instructions);
        }

        if (isGlm)
        {
            // Merged first, written once before any turn.
            ForEachItem(history, input, (item, path) =>
            {
                if (item.ValueKind == JsonValueKind.Object && item.GetString("role") is "system" or "developer" && TypeOf(item) == "message")
                {
                    PivotMessages.AppendParagraph(_system, ContentText(item, path));
                }
            });
        }

        if (_system.Length > 0)
        {
            PivotMessages.WriteSimple(json, "system", _system.ToString());
        }

        ForEachItem(history, input, Write);
        FlushAssistant();

        // Every upstream refuses an empty conversation; refusing here saves a key's quota and says why.
        if (json.BytesCommitted + json.BytesPending == _start)
        {
            throw new TranslationException("Invalid 'input': nothing this model can read (no item, or every item empty or left out).");
        }

        json.WriteEndArray();
    }

    private static void ForEachItem(JsonElement? history, JsonElement input, Action<JsonElement, string> action)
    {
        if (history is { ValueKind: JsonValueKind.Array } stored)
        {
            var i = 0;
            foreach (var item in stored.EnumerateArray())
            {
                action(item, $"previous_response_id history[{i++}]");
            }
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            action(input, "input");
        }
        else if (input.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in input.EnumerateArray())
            {
                action(item, $"input[{i++}]");
            }
        }
    }

    /// <summary>An item's type; an item with a role and no type is a message (the API's "easy input message").</summary>
    private static string? TypeOf(JsonElement item) =>
        item.GetString("type") ?? (item.TryGetProperty("role", out _) ? "message" : null);

    private void Write(JsonElement item, string path)
    {
        if (item.ValueKind == JsonValueKind.String)
        {
            FlushAssistant();
            PivotMessages.WriteSimple(json, "user", item.GetString()!);
            return;
        }

        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new TranslationException($"Invalid type for '{path}': expected an object.");
        }

        switch (TypeOf(item))
        {
            case "message":
                WriteMessage(item, path);
                break;
            case "function_call":
                AddCall(item, path);
                break;
            case "custom_tool_call":
                AddCall(item, path, custom: true);
                break;
            case "function_call_output" or "custom_tool_call_output":
                FlushAssistant();
                var callId = item.GetString("call_id") ?? throw new TranslationException($"Missing required parameter: '{path}.call_id'.");
                json.WriteStartObject();
                json.WriteString("role"u8, "tool"u8);
                json.WriteString("tool_call_id"u8, callId);
                json.WriteString("content"u8, OutputText(item, path));
                json.WriteEndObject();
                break;
            case "reasoning":
                if (_text is not null || _calls.Count > 0)
                {
                    FlushAssistant();
                }

                AddReasoning(item);
                break;
            case null:
                throw new TranslationException($"Missing required parameter: '{path}.type'.");
            case var type:
                // web_search_call, local_shell_call, item_reference…: nothing a chat upstream can take.
                notes.Add($"{path}: {JsonInput.Quote(type, 64)} item left out");
                break;
        }
    }

    private void WriteMessage(JsonElement item, string path)
    {
        var role = item.GetString("role");
        switch (role)
        {
            case "assistant":
                var text = ContentText(item, path);
                if (text.Length > 0)
                {
                    PivotMessages.AppendParagraph(_text ??= new StringBuilder(), text);
                }

                break;
            case "system" or "developer":
                FlushAssistant();
                if (!isGlm && ContentText(item, path) is { Length: > 0 } system)
                {
                    PivotMessages.WriteSimple(json, "system", system);
                }

                break;
            case "user":
                FlushAssistant();
                WriteUser(item, path);
                break;
            case null:
                throw new TranslationException($"Missing required parameter: '{path}.role'.");
            default:
                notes.Add($"{path}.role {JsonInput.Quote(role, 64)}: unknown, sent as user");
                FlushAssistant();
                WriteUser(item, path);
                break;
        }
    }

    private void WriteUser(JsonElement item, string path)
    {
        var content = item.TryGetProperty("content", out var c) ? c : default;
        if (content.ValueKind == JsonValueKind.String)
        {
            PivotMessages.WriteSimple(json, "user", content.GetString()!);
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new TranslationException($"Invalid type for '{path}.content': expected a string or an array of content parts.");
        }

        var parts = new List<UserPart>();
        var i = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partPath = $"{path}.content[{i++}]";
            if (part.ValueKind != JsonValueKind.Object)
            {
                throw new TranslationException($"Invalid type for '{partPath}': expected an object.");
            }

            if (part.GetString("type") == "input_image")
            {
                if (part.GetString("image_url") is { Length: > 0 } url)
                {
                    parts.Add(UserPart.Image(url));
                }
                else
                {
                    notes.Add($"{partPath}: image by file_id cannot be sent to this model, a placeholder instead");
                    parts.Add(UserPart.Text("[image omitted: a stored file cannot be sent to this model]"));
                }
            }
            else if (PartText(part, partPath) is { } text)
            {
                parts.Add(UserPart.Text(text));
            }
        }

        if (parts.Count == 0)
        {
            notes.Add($"{path}: no content, left out");
            return;
        }

        PivotMessages.WriteUser(json, parts);
    }

    /// <summary>A <c>function_call</c>, or a <c>custom_tool_call</c> whose free-form <c>input</c> goes back as the pivot function's one argument.</summary>
    private void AddCall(JsonElement item, string path, bool custom = false)
    {
        var callId = item.GetString("call_id") ?? throw new TranslationException($"Missing required parameter: '{path}.call_id'.");
        var name = item.GetString("name") ?? throw new TranslationException($"Missing required parameter: '{path}.name'.");
        var arguments = custom ? CustomToolInput.ToArguments(item.GetString("input") ?? "") : item.GetString("arguments") ?? "{}";
        _calls.Add((callId, names.Upstream(item.GetString("namespace"), name), arguments));
    }

    /// <summary>A reasoning item's text (its summary, else its reasoning content) rides with the next assistant message as <c>reasoning_content</c>, which GLM wants back unchanged.</summary>
    private void AddReasoning(JsonElement item)
    {
        var text = new StringBuilder();
        foreach (var name in (ReadOnlySpan<string>)["summary", "content"])
        {
            if (item.TryGet(name, JsonValueKind.Array, out var parts))
            {
                foreach (var part in parts.EnumerateArray())
                {
                    if (part.GetString("text") is { } partText)
                    {
                        text.Append(partText);
                    }
                }
            }

            if (text.Length > 0)
            {
                break;
            }
        }

        if (text.Length > 0)
        {
            (_reasoning ??= new StringBuilder()).Append(text);
        }
    }

    private void FlushAssistant()
    {
        if (_text is null && _calls.Count == 0)
        {
            // Reasoning alone is no turn: an upstream would take an empty assistant message for one.
            _reasoning = null;
            return;
        }

        // Only GLM takes its reasoning back; _text is null only when there are calls (above).
        PivotMessages.WriteAssistantStart(json, _text, isGlm ? _reasoning : null, _calls.Count > 0);
        if (_calls.Count > 0)
        {
            json.WriteStartArray("tool_calls"u8);
            foreach (var (id, name, arguments) in _calls)
            {
                PivotMessages.WriteToolCall(json, id, name, arguments);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        _text = null;
        _reasoning = null;
        _calls.Clear();
    }

    /// <summary>A message's text: a string, or its text parts joined (an image in a system or assistant message is left out).</summary>
    private string ContentText(JsonElement item, string path)
    {
        var content = item.TryGetProperty("content", out var c) ? c : default;
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return "";
            case JsonValueKind.Array:
                var text = new StringBuilder();
                var i = 0;
                foreach (var part in content.EnumerateArray())
                {
                    var partPath = $"{path}.content[{i++}]";
                    if (part.ValueKind != JsonValueKind.Object)
                    {
                        throw new TranslationException($"Invalid type for '{partPath}': expected an object.");
                    }

                    if (part.GetString("type") == "input_image")
                    {
                        notes.Add($"{partPath}: image outside a user message, left out");
                    }
                    else
                    {
                        PivotMessages.AppendLine(text, PartText(part, partPath));
                    }
                }

                return text.ToString();
            default:
                throw new TranslationException($"Invalid type for '{path}.content': expected a string or an array of content parts.");
        }
    }

    /// <summary>The text a content part carries: <c>input_text</c>, <c>output_text</c>, <c>refusal</c>, a text file; else a note.</summary>
    private string? PartText(JsonElement part, string path)
    {
        var type = part.GetString("type");
        switch (type)
        {
            case "input_text" or "output_text" or "text" or "summary_text" or "reasoning_text":
                return part.GetString("text") ?? "";
            case "refusal":
                return part.GetString("refusal");
            case "input_file":
                return FileText(part, path);
            default:
                if (part.GetString("text") is { } text)
                {
                    notes.Add($"{path}: {JsonInput.Quote(type, 64)} part sent as text");
                    return text;
                }

                notes.Add($"{path}: {JsonInput.Quote(type, 64)} part carries no text, left out");
                return null;
        }
    }

    /// <summary>
    /// A file the upstream can read (text sent inline as a data URL) becomes its text; any other (a PDF, a stored file id)
    /// a short placeholder that tells the model so, never a refusal that would break every later turn.
    /// </summary>
    private string FileText(JsonElement part, string path)
    {
        var filename = part.GetString("filename");
        if (part.GetString("file_data") is { } data && data.StartsWith("data:text/", StringComparison.Ordinal)
            && data.IndexOf(";base64,", StringComparison.Ordinal) is var comma and > 0)
        {
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(data[(comma + ";base64,".Length)..]));
                return filename is { Length: > 0 } ? $"{filename}\n\n{text}" : text;
            }
            catch (FormatException e)
            {
                throw new TranslationException($"Invalid '{path}.file_data': not valid base64.", e);
            }
        }

        notes.Add($"{path}: a file this model cannot read, a placeholder instead");
        return $"[file omitted: {JsonInput.Quote(filename ?? "unnamed", 64)} cannot be sent to this model]";
    }

    /// <summary><c>function_call_output.output</c>: a string, or an array of parts whose text is joined.</summary>
    private string OutputText(JsonElement item, string path)
    {
        var output = item.TryGetProperty("output", out var o) ? o : default;
        switch (output.ValueKind)
        {
            case JsonValueKind.String:
                return output.GetString()!;
            case JsonValueKind.Array:
                var text = new StringBuilder();
                var i = 0;
                foreach (var part in output.EnumerateArray())
                {
                    var partPath = $"{path}.output[{i++}]";
                    if (part.ValueKind == JsonValueKind.Object && part.GetString("type") == "input_image")
                    {
                        notes.Add($"{partPath}: image in a tool output, a placeholder instead");
                        PivotMessages.AppendLine(text, "[image omitted: images in tool output cannot be sent to this model]");
                    }
                    else if (part.ValueKind == JsonValueKind.Object)
                    {
                        PivotMessages.AppendLine(text, PartText(part, partPath));
                    }
                }

                return text.ToString();
            case JsonValueKind.Undefined or JsonValueKind.Null:
                throw new TranslationException($"Missing required parameter: '{path}.output'.");
            default:
                return JsonInput.Compact(output);
        }
    }

}
