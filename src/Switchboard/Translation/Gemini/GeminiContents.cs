using System.Text;
using System.Text.Json;

namespace Switchboard.Translation.Gemini;

/// <summary>
/// <c>systemInstruction</c> and <c>contents</c> → pivot <c>messages</c>. Roles <c>user</c> → user, <c>model</c> → assistant
/// (<c>thought</c> parts as its <c>reasoning_content</c>, <c>functionCall</c> parts as its <c>tool_calls</c>),
/// <c>functionResponse</c> parts → <c>tool</c> messages, written first, right after the call. One instance per request.
/// </summary>
/// <remarks>
/// Gemini function calls carry no id (an optional <c>id</c> at most), the pivot needs one on each call and on its answer.
/// A call's id is its own <c>id</c> when sent, else derived from its position (<see cref="GeminiCallIds"/>), so the same
/// history gives the same ids on every request; a <c>functionResponse</c> takes the id of the call it answers: the one
/// with its <c>id</c>, else the first unanswered call of the preceding model turn with its name. A call left unanswered
/// gets a placeholder answer, a response that answers no call becomes user text: an upstream refuses either otherwise.
/// </remarks>
internal sealed class GeminiContents(Utf8JsonWriter json, ToolNameMap names, TranslationNotes notes)
{
    private readonly List<PendingCall> _pending = [];
    private readonly List<UserPart> _userParts = [];

    public void Write(JsonElement root)
    {
        if (!root.TryField("contents", "", out var contents))
        {
            throw new TranslationException("contents: field required (an array of Content objects).");
        }

        if (contents.ValueKind != JsonValueKind.Array)
        {
            throw new TranslationException("contents: must be an array of Content objects.");
        }

        json.WriteStartArray("messages"u8);
        var start = json.BytesCommitted + json.BytesPending;
        if (root.TryField("systemInstruction", "system_instruction", out var system))
        {
            var text = system.ValueKind == JsonValueKind.String ? system.GetString()! : SystemText(system);
            if (text.Length > 0)
            {
                PivotMessages.WriteSimple(json, "system", text);
            }
        }

        var index = 0;
        foreach (var content in contents.EnumerateArray())
        {
            var path = $"contents[{index}]";
            if (content.ValueKind != JsonValueKind.Object)
            {
                throw new TranslationException($"{path}: must be an object (a Content with role and parts).");
            }

            var role = content.StringField("role", "", path);
            if (!content.TryField("parts", "", out var parts))
            {
                notes.Add($"{path}.parts: missing, content left out");
                index++;
                continue;
            }

            if (parts.ValueKind != JsonValueKind.Array)
            {
                throw new TranslationException($"{path}.parts: must be an array of Part objects.");
            }

            switch (role)
            {
                case "model" or "assistant":
                    WriteModel(parts, index, path);
                    break;
                case null or "" or "user" or "function" or "tool":
                    WriteUser(parts, path);
                    break;
                default:
                    notes.Add($"{path}.role {JsonInput.Quote(role, 64)}: unknown, sent as user");
                    WriteUser(parts, path);
                    break;
            }

            index++;
        }

        AnswerUnanswered();

        // Every upstream refuses an empty conversation; refusing here saves a key's quota and says why.
        if (json.BytesCommitted + json.BytesPending == start)
        {
            throw new TranslationException("contents: nothing this model can read (no content, or every part empty or left out).");
        }

        json.WriteEndArray();
    }

    private string SystemText(JsonElement system)
    {
        if (system.ValueKind != JsonValueKind.Object)
        {
            throw new TranslationException("systemInstruction: must be a Content object with parts.");
        }

        var text = new StringBuilder();
        if (system.TryField("parts", "", JsonValueKind.Array, "systemInstruction", out var parts))
        {
            var i = 0;
            foreach (var part in parts.EnumerateArray())
            {
                var path = $"systemInstruction.parts[{i++}]";
                RequireObject(part, path);
                PivotMessages.AppendLine(text, part.StringField("text", "", path) ?? OtherText(part, path));
            }
        }

        return text.ToString();
    }

    private void WriteUser(JsonElement parts, string path)
    {
        var i = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var partPath = $"{path}.parts[{i++}]";
            RequireObject(part, partPath);
            if (part.TryField("functionResponse", "function_response", JsonValueKind.Object, partPath, out var response))
            {
                WriteFunctionResponse(response, partPath + ".functionResponse");
            }
            else if (part.StringField("text", "", partPath) is { } text)
            {
                if (part.IsTrue("thought"))
                {
                    notes.Add($"{partPath}: a thought in a user turn, left out");
                }
                else
                {
                    _userParts.Add(UserPart.Text(text));
                }
            }
            else if (part.TryField("inlineData", "inline_data", JsonValueKind.Object, partPath, out var inline))
            {
                _userParts.Add(InlineData(inline, partPath + ".inlineData"));
            }
            else if (part.TryField("fileData", "file_data", JsonValueKind.Object, partPath, out var file))
            {
                _userParts.Add(FileData(file, partPath + ".fileData"));
            }
            else if (part.TryField("functionCall", "function_call", out _))
            {
                notes.Add($"{partPath}: a functionCall in a user turn, left out");
            }
            else if (OtherText(part, partPath) is { } other)
            {
                _userParts.Add(UserPart.Text(other));
            }
        }

        if (_userParts.Count == 0)
        {
            return;
        }

        // The tool answers came first (above); a call of the model turn that got none is answered now, before the user speaks.
        AnswerUnanswered();
        PivotMessages.WriteUser(json, _userParts);
        _userParts.Clear();
    }

    private void WriteFunctionResponse(JsonElement response, string path)
    {
        var name = response.StringField("name", "", path) ?? "";
        var id = response.StringField("id", "", path);
        var text = ResponseText(response, path);
        var call = Match(id, name);
        if (call is null)
        {
            // An answer to no call of the previous model turn: a tool message there would be refused upstream.
            notes.Add($"{path}: answers no functionCall of the previous model turn, sent as user text");
            _userParts.Add(UserPart.Text($"Result of {name}: {text}"));
            return;
        }

        call.Answered = true;
        WriteTool(call.Id, text);
    }

    private PendingCall? Match(string? id, string name)
    {
        if (id is { Length: > 0 } && _pending.Find(c => !c.Answered && c.Id == id) is { } byId)
        {
            return byId;
        }

        return _pending.Find(c => !c.Answered && c.Name == name);
    }

    private void AnswerUnanswered()
    {
        foreach (var call in _pending)
        {
            if (!call.Answered)
            {
                notes.Add($"functionCall {JsonInput.Quote(call.Name, 64)}: no functionResponse followed, answered with a placeholder");
                WriteTool(call.Id, "No result was sent for this call.");
            }
        }

        _pending.Clear();
    }

    private void WriteTool(string id, string text)
    {
        json.WriteStartObject();
        json.WriteString("role"u8, "tool"u8);
        json.WriteString("tool_call_id"u8, id);
        json.WriteString("content"u8, text);
        json.WriteEndObject();
    }

    /// <summary>
    /// A function's result as the text of a tool message: Gemini CLI sends <c>{"output": "…"}</c> (or <c>{"error": "…"}</c>);
    /// other clients send any object, kept as its JSON. Images among the response's <c>parts</c> ride with the user message.
    /// </summary>
    private string ResponseText(JsonElement response, string path)
    {
        var text = new StringBuilder();
        if (response.TryField("response", "", out var value))
        {
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.String && CountProperties(value) == 1)
            {
                text.Append(output.GetString());
            }
            else if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("error", out var error) && CountProperties(value) == 1)
            {
                text.Append("Error: ").Append(error.ValueKind == JsonValueKind.String ? error.GetString() : JsonInput.Compact(error));
            }
            else if (value.ValueKind == JsonValueKind.String)
            {
                text.Append(value.GetString());
            }
            else
            {
                text.Append(JsonInput.Compact(value));
            }
        }

        if (response.TryField("parts", "", JsonValueKind.Array, path, out var parts))
        {
            var i = 0;
            foreach (var part in parts.EnumerateArray())
            {
                var partPath = $"{path}.parts[{i++}]";
                RequireObject(part, partPath);
                if (part.TryField("inlineData", "inline_data", JsonValueKind.Object, partPath, out var inline))
                {
                    var converted = InlineData(inline, partPath + ".inlineData");
                    if (converted.ImageUrl is null)
                    {
                        PivotMessages.AppendLine(text, converted.Value);
                    }
                    else
                    {
                        // A tool message holds text only; the image rides with the user message that follows.
                        _userParts.Add(converted);
                    }
                }
                else if (part.StringField("text", "", partPath) is { } partText)
                {
                    PivotMessages.AppendLine(text, partText);
                }
            }
        }

        return text.ToString();
    }

    private void WriteModel(JsonElement parts, int contentIndex, string path)
    {
        // Tool answers must follow their call at once: whatever the user turn before left unanswered is answered first.
        AnswerUnanswered();
        StringBuilder? text = null;
        StringBuilder? reasoning = null;
        var i = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var partPath = $"{path}.parts[{i++}]";
            RequireObject(part, partPath);
            if (part.TryField("functionCall", "function_call", JsonValueKind.Object, partPath, out var call))
            {
                var name = call.StringField("name", "", partPath + ".functionCall") ?? throw new TranslationException($"{partPath}.functionCall.name: field required.");
                var args = call.TryField("args", "", out var a) ? a : default;
                if (args.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined))
                {
                    throw new TranslationException($"{partPath}.functionCall.args: must be an object.");
                }

                var id = call.StringField("id", "", partPath + ".functionCall") is { Length: > 0 } own ? own : GeminiCallIds.Derive(contentIndex, _pending.Count);
                _pending.Add(new PendingCall(id, name, args));
            }
            else if (part.StringField("text", "", partPath) is { } partText)
            {
                if (part.IsTrue("thought"))
                {
                    (reasoning ??= new StringBuilder()).Append(partText);
                }
                else
                {
                    (text ??= new StringBuilder()).Append(partText);
                }
            }
            else if (OtherText(part, partPath) is { } other)
            {
                PivotMessages.AppendLine(text ??= new StringBuilder(), other);
            }
        }

        if (text is null && reasoning is null && _pending.Count == 0)
        {
            return;
        }

        PivotMessages.WriteAssistantStart(json, text, reasoning, _pending.Count > 0);
        if (_pending.Count > 0)
        {
            json.WriteStartArray("tool_calls"u8);
            foreach (var call in _pending)
            {
                PivotMessages.WriteToolCall(json, call.Id, names.Shorten(call.Name),
                    call.Args.ValueKind == JsonValueKind.Object ? JsonInput.Compact(call.Args) : "{}");
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private UserPart InlineData(JsonElement data, string path)
    {
        var mime = data.StringField("mimeType", "mime_type", path) ?? "application/octet-stream";
        var base64 = data.StringField("data", "", path) ?? throw new TranslationException($"{path}.data: field required (base64).");
        if (mime.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            // Checked here, not by the upstream after a call is spent; Google's URL-safe form goes on in the standard one.
            return UserPart.Image(Base64Data.Classify(base64) switch
            {
                Base64Data.Kind.Standard => $"data:{mime};base64,{base64}",
                Base64Data.Kind.UrlSafe => Base64Data.ToStandard($"data:{mime};base64,", base64, 0),
                _ => throw new TranslationException($"{path}.data: not valid base64 image data."),
            });
        }

        if (mime.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || mime is "application/json" or "application/xml")
        {
            var bytes = Base64Data.Decode(base64) ?? throw new TranslationException($"{path}.data: not valid base64.");
            return UserPart.Text(Encoding.UTF8.GetString(bytes));
        }

        notes.Add($"{path}: {JsonInput.Quote(mime, 64)} data cannot be sent to this model, a placeholder instead");
        return UserPart.Text($"[{mime} data omitted: it cannot be sent to this model]");
    }

    private UserPart FileData(JsonElement file, string path)
    {
        var mime = file.StringField("mimeType", "mime_type", path) ?? "";
        var uri = file.StringField("fileUri", "file_uri", path) ?? throw new TranslationException($"{path}.fileUri: field required.");
        if (mime.StartsWith("image/", StringComparison.OrdinalIgnoreCase) && (uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
        {
            return UserPart.Image(uri);
        }

        notes.Add($"{path}: a file by reference cannot be read by this model, its URI sent as text");
        return UserPart.Text($"[file {uri}]");
    }

    /// <summary>Parts with no pivot twin: code the model ran at Google and its result are kept as text; others left out.</summary>
    private string? OtherText(JsonElement part, string path)
    {
        if (part.TryField("executableCode", "executable_code", JsonValueKind.Object, path, out var code))
        {
            notes.Add($"{path}: executableCode sent as text");
            return $"```{code.GetString("language")?.ToLowerInvariant()}\n{code.GetString("code")}\n```";
        }

        if (part.TryField("codeExecutionResult", "code_execution_result", JsonValueKind.Object, path, out var result))
        {
            notes.Add($"{path}: codeExecutionResult sent as text");
            return $"Code execution {result.GetString("outcome") ?? "result"}: {result.GetString("output")}";
        }

        var kind = "empty";
        foreach (var property in part.EnumerateObject())
        {
            if (property.Name is not ("thought" or "thoughtSignature" or "thought_signature" or "partMetadata"))
            {
                kind = property.Name;
                break;
            }
        }

        notes.Add($"{path}: {JsonInput.Quote(kind, 64)} part, left out");
        return null;
    }

    private static void RequireObject(JsonElement part, string path)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            throw new TranslationException($"{path}: must be an object (a Part).");
        }
    }

    private static int CountProperties(JsonElement value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateObject())
        {
            count++;
        }

        return count;
    }

    private sealed class PendingCall(string id, string name, JsonElement args)
    {
        public string Id { get; } = id;

        public string Name { get; } = name;

        public JsonElement Args { get; } = args;

        public bool Answered { get; set; }
    }
}
