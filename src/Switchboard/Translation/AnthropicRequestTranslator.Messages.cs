using System.Text;
using System.Text.Json;

namespace Switchboard.Translation;

internal static partial class AnthropicRequestTranslator
{
    /// <summary>
    /// System text first (the top-level <c>system</c>), then the turns. A system or developer message inside
    /// <c>messages</c> (Claude Code sends one after the first user turn) stays where it is for OpenAI, which accepts
    /// system messages anywhere; for GLM it is merged into the leading system message, because Z.ai's endpoints refuse
    /// a system role after the first turn (its Anthropic endpoint answers 422 to exactly this request; its chat
    /// endpoint answers 1214 to message orders it does not expect) and the leading system message is accepted by every
    /// OpenAI-compatible server. See docs/compatibility.md.
    /// </summary>
    private static void WriteMessages(Utf8JsonWriter json, JsonElement root, JsonElement messages, ToolNameMap names,
        TranslationNotes notes, bool mergeLateSystem)
    {
        json.WriteStartArray("messages"u8);
        var start = json.BytesCommitted + json.BytesPending;
        var system = new StringBuilder();
        if (root.TryGetProperty("system", out var systemField))
        {
            if (systemField.ValueKind == JsonValueKind.Array)
            {
                system.Append(SystemText(systemField, notes));
            }
            else if (systemField.ValueKind == JsonValueKind.String)
            {
                system.Append(systemField.GetString());
            }
            else if (systemField.ValueKind != JsonValueKind.Null)
            {
                notes.Add("system: neither a string nor an array of text blocks, left out");
            }
        }

        var index = 0;
        if (mergeLateSystem)
        {
            foreach (var message in messages.EnumerateArray())
            {
                if (message.ValueKind == JsonValueKind.Object && message.GetString("role") is "system" or "developer")
                {
                    var path = $"messages[{index}]";
                    PivotMessages.AppendParagraph(system, ContentText(message.TryGetProperty("content", out var c) ? c : default, path, notes));
                    notes.Add($"{path}: system message merged into the leading system message");
                }

                index++;
            }
        }

        if (system.Length > 0)
        {
            PivotMessages.WriteSimple(json, "system", system.ToString());
        }

        index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = $"messages[{index++}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new TranslationException($"{path}: must be an object.");
            }

            var content = message.TryGetProperty("content", out var c) ? c : default;
            var role = message.GetString("role");
            switch (role)
            {
                case "user":
                    WriteUser(json, content, path, notes);
                    break;
                case "assistant":
                    WriteAssistant(json, content, path, names, notes);
                    break;
                case "system" or "developer":
                    if (!mergeLateSystem && ContentText(content, path, notes) is { Length: > 0 } text)
                    {
                        PivotMessages.WriteSimple(json, "system", text);
                    }

                    break;
                default:
                    notes.Add($"{path}.role {JsonInput.Quote(role, 64)}: unknown, sent as user");
                    WriteUser(json, content, path, notes);
                    break;
            }
        }

        // Every upstream refuses an empty conversation; refusing here saves a key's quota and says why.
        if (json.BytesCommitted + json.BytesPending == start)
        {
            throw new TranslationException("messages: nothing this model can read (no message, or every message empty or left out).");
        }

        json.WriteEndArray();
    }

    /// <summary>
    /// The top-level system blocks' text. Claude Code's first block, <c>x-anthropic-billing-header: cc_version=…</c>, is
    /// meant for Anthropic's billing and differs from one request to the next; left in, it would be the first line of
    /// the prompt and defeat the upstream's prefix cache on every turn, so it is left out.
    /// </summary>
    private static string SystemText(JsonElement blocks, TranslationNotes notes)
    {
        var text = new StringBuilder();
        var i = 0;
        foreach (var block in blocks.EnumerateArray())
        {
            var path = $"system[{i++}]";
            var type = BlockType(block, path);
            if (type != "text")
            {
                PivotMessages.AppendLine(text, UnknownText(block, type, path, notes));
            }
            else if (block.GetString("text") is { } line && line.StartsWith("x-anthropic-billing-header:", StringComparison.Ordinal))
            {
                notes.Add($"{path}: Anthropic billing header, left out");
            }
            else
            {
                PivotMessages.AppendLine(text, block.GetString("text"));
            }
        }

        return text.ToString();
    }

    private static void WriteUser(Utf8JsonWriter json, JsonElement content, string path, TranslationNotes notes)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            PivotMessages.WriteSimple(json, "user", content.GetString()!);
            return;
        }

        if (IsAbsent(content, path, notes))
        {
            return;
        }

        RequireArray(content, path);

        // OpenAI wants tool answers right after the assistant turn that called the tools, so they go first;
        // the user's own text and images follow as one user message.
        var parts = new List<UserPart>();
        var blockIndex = 0;
        foreach (var block in content.EnumerateArray())
        {
            var blockPath = $"{path}.content[{blockIndex++}]";
            var type = BlockType(block, blockPath);
            switch (type)
            {
                case "tool_result":
                    WriteToolResult(json, block, blockPath, parts, notes);
                    break;
                case "text":
                    parts.Add(UserPart.Text(block.GetString("text") ?? ""));
                    break;
                case "image":
                    parts.Add(ImageUrl(block, blockPath, notes) is { } url ? UserPart.Image(url) : UserPart.Text(ImageOmitted(block)));
                    break;
                case "document":
                    parts.Add(UserPart.Text(DocumentText(block, blockPath, notes)));
                    break;
                default:
                    if (UnknownText(block, type, blockPath, notes) is { } text)
                    {
                        parts.Add(UserPart.Text(text));
                    }

                    break;
            }
        }

        if (parts.Count == 0)
        {
            return;
        }

        PivotMessages.WriteUser(json, parts);
    }

    private static void WriteToolResult(Utf8JsonWriter json, JsonElement block, string path, List<UserPart> parts, TranslationNotes notes)
    {
        var id = block.GetString("tool_use_id") ?? throw new TranslationException($"{path}.tool_use_id: field required.");
        var text = new StringBuilder();
        if (block.TryGetProperty("content", out var content))
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                text.Append(content.GetString());
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var inner in content.EnumerateArray())
                {
                    var innerPath = $"{path}.content[{i++}]";
                    var type = BlockType(inner, innerPath);
                    switch (type)
                    {
                        case "text":
                            PivotMessages.AppendLine(text, inner.GetString("text"));
                            break;
                        case "document":
                            PivotMessages.AppendLine(text, DocumentText(inner, innerPath, notes));
                            break;
                        case "image":
                            // A tool message holds text only; the image rides with the user message that follows.
                            if (ImageUrl(inner, innerPath, notes) is { } url)
                            {
                                parts.Add(UserPart.Image(url));
                            }
                            else
                            {
                                PivotMessages.AppendLine(text, ImageOmitted(inner));
                            }

                            break;
                        default:
                            PivotMessages.AppendLine(text, UnknownText(inner, type, innerPath, notes));
                            break;
                    }
                }
            }
        }

        if (block.IsTrue("is_error") && !text.ToString().StartsWith("Error", StringComparison.OrdinalIgnoreCase))
        {
            text.Insert(0, "Error: ");
        }

        json.WriteStartObject();
        json.WriteString("role"u8, "tool"u8);
        json.WriteString("tool_call_id"u8, id);
        json.WriteString("content"u8, text.ToString());
        json.WriteEndObject();
    }

    private static void WriteAssistant(Utf8JsonWriter json, JsonElement content, string path, ToolNameMap names, TranslationNotes notes)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            PivotMessages.WriteSimple(json, "assistant", content.GetString()!);
            return;
        }

        if (IsAbsent(content, path, notes))
        {
            return;
        }

        RequireArray(content, path);
        StringBuilder? text = null;
        StringBuilder? reasoning = null;
        var toolUses = new List<JsonElement>();
        var blockIndex = 0;
        foreach (var block in content.EnumerateArray())
        {
            var blockPath = $"{path}.content[{blockIndex++}]";
            var type = BlockType(block, blockPath);
            switch (type)
            {
                case "text":
                    (text ??= new StringBuilder()).Append(block.GetString("text"));
                    break;
                case "thinking":
                    (reasoning ??= new StringBuilder()).Append(block.GetString("thinking"));
                    break;
                case "tool_use":
                    if (block.GetString("id") is null || block.GetString("name") is null)
                    {
                        throw new TranslationException($"{blockPath}: tool_use needs an id and a name.");
                    }

                    toolUses.Add(block);
                    break;
                default:
                    // Server tool calls and their results (web search…) ran at Anthropic: what they found is kept as
                    // the assistant's text, the calls themselves are left out (no OpenAI tool call without a tool message).
                    if (UnknownText(block, type, blockPath, notes) is { } unknownText)
                    {
                        PivotMessages.AppendLine(text ??= new StringBuilder(), unknownText);
                    }

                    break;
            }
        }

        if (text is null && reasoning is null && toolUses.Count == 0)
        {
            return;
        }

        PivotMessages.WriteAssistantStart(json, text, reasoning, toolUses.Count > 0);
        if (toolUses.Count > 0)
        {
            json.WriteStartArray("tool_calls"u8);
            foreach (var toolUse in toolUses)
            {
                PivotMessages.WriteToolCall(json, toolUse.GetString("id"), names.Shorten(toolUse.GetString("name")!),
                    toolUse.TryGet("input", JsonValueKind.Object, out var input) ? JsonInput.Compact(input) : "{}");
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    /// <summary>The data URL or URL of an image; null (with a note) when its source cannot leave Anthropic (a Files API id).</summary>
    private static string? ImageUrl(JsonElement block, string path, TranslationNotes notes)
    {
        if (!block.TryGet("source", JsonValueKind.Object, out var source))
        {
            throw new TranslationException($"{path}.source: field required.");
        }

        switch (source.GetString("type"))
        {
            case "base64":
                var mediaType = source.GetString("media_type") ?? throw new TranslationException($"{path}.source.media_type: field required.");
                var data = source.GetString("data") ?? throw new TranslationException($"{path}.source.data: field required.");
                return $"data:{mediaType};base64,{data}";
            case "url":
                return source.GetString("url") ?? throw new TranslationException($"{path}.source.url: field required.");
            case var type:
                notes.Add($"{path}: image source {JsonInput.Quote(type, 64)} cannot be sent to this model, a placeholder instead");
                return null;
        }
    }

    private static string ImageOmitted(JsonElement block) =>
        $"[image omitted: its source ({(block.TryGet("source", JsonValueKind.Object, out var s) ? s.GetString("type") : null) ?? "unknown"}) cannot be sent to this model]";

    /// <summary>
    /// A document's text. A document the upstream cannot read (a PDF, a Files API id) becomes a short placeholder that
    /// tells the model so: refusing the request would break every later turn of a session that read a PDF once.
    /// </summary>
    private static string DocumentText(JsonElement block, string path, TranslationNotes notes)
    {
        if (ReadableDocumentText(block, path, notes) is { } text)
        {
            return text;
        }

        var source = block.GetProperty("source");
        var what = JsonInput.Quote(source.GetString("media_type") ?? source.GetString("type") ?? "unknown", 64);
        notes.Add($"{path}: {what} document cannot be sent to this model, a placeholder instead");
        return WithTitle(block, $"[document omitted: {what} documents cannot be sent to this model]");
    }

    /// <summary>
    /// The text of a document an OpenAI-compatible upstream can read (a text, text/* base64 or content source), title
    /// first; null for one it cannot (a PDF, a Files API id). Shared with the token counter (<see cref="RequestTokens"/>),
    /// so that count_tokens counts the text /v1/messages sends.
    /// </summary>
    internal static string? ReadableDocumentText(JsonElement block, string path, TranslationNotes notes)
    {
        if (!block.TryGet("source", JsonValueKind.Object, out var source))
        {
            throw new TranslationException($"{path}.source: field required.");
        }

        var type = source.GetString("type");
        var mediaType = source.GetString("media_type");
        string text;
        if (type == "text")
        {
            text = source.GetString("data") ?? "";
        }
        else if (type == "base64" && mediaType is not null && mediaType.StartsWith("text/", StringComparison.Ordinal))
        {
            try
            {
                text = Encoding.UTF8.GetString(Convert.FromBase64String(source.GetString("data") ?? ""));
            }
            catch (FormatException e)
            {
                throw new TranslationException($"{path}.source.data: not valid base64.", e);
            }
        }
        else if (type == "content" && source.TryGet("content", JsonValueKind.Array, out var blocks))
        {
            text = ContentText(blocks, $"{path}.source.content", notes);
        }
        else
        {
            return null;
        }

        return WithTitle(block, text);
    }

    private static string WithTitle(JsonElement block, string text) =>
        block.GetString("title") is { Length: > 0 } title ? $"{title}\n\n{text}" : text;

    /// <summary>The text of a string or of an array of blocks (text blocks, and what other blocks carry as text); null and missing are empty.</summary>
    private static string ContentText(JsonElement content, string path, TranslationNotes notes)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return "";
            case JsonValueKind.Array:
                var text = new StringBuilder();
                var i = 0;
                foreach (var block in content.EnumerateArray())
                {
                    var blockPath = $"{path}[{i++}]";
                    var type = BlockType(block, blockPath);
                    PivotMessages.AppendLine(text, type == "text" ? block.GetString("text") : UnknownText(block, type, blockPath, notes));
                }

                return text.ToString();
            default:
                throw new TranslationException($"{path}: must be a string or an array of content blocks.");
        }
    }

    /// <summary>
    /// A block type this translation has no mapping for (search_result, web_search_tool_result, mcp_tool_result,
    /// server_tool_use, redacted_thinking, container_upload, or one Anthropic adds later): what it carries as text is
    /// kept, the rest is left out. Either way a note says so.
    /// </summary>
    private static string? UnknownText(JsonElement block, string type, string path, TranslationNotes notes)
    {
        var text = CarriedBlockText(block);
        if (text.Length == 0)
        {
            notes.Add($"{path}: {JsonInput.Quote(type, 64)} block carries no text, left out");
            return null;
        }

        notes.Add($"{path}: {JsonInput.Quote(type, 64)} block sent as text");
        return text;
    }

    /// <summary>
    /// The text a block without a mapping of its own carries (what <see cref="UnknownText"/> sends), empty when none.
    /// Shared with the token counter (<see cref="RequestTokens"/>), so that count_tokens counts the text /v1/messages sends.
    /// </summary>
    internal static string CarriedBlockText(JsonElement block)
    {
        if (block.GetString("text") is { } own)
        {
            return own;
        }

        // A search result names its source; a web search result is nothing but a title and a URL.
        var text = new StringBuilder();
        PivotMessages.AppendLine(text, block.GetString("title"));
        PivotMessages.AppendLine(text, block.GetString("source") ?? block.GetString("url"));
        if (block.TryGetProperty("content", out var content))
        {
            PivotMessages.AppendLine(text, CarriedText(content, depth: 0));
        }

        return text.ToString();
    }

    private static string? CarriedText(JsonElement content, int depth)
    {
        if (depth > 4)
        {
            return null;
        }

        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString();
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var item in content.EnumerateArray())
                {
                    PivotMessages.AppendLine(text, CarriedText(item, depth + 1));
                }

                return text.ToString();
            case JsonValueKind.Object:
                if (content.GetString("text") is { } own)
                {
                    return own;
                }

                var inner = new StringBuilder();
                PivotMessages.AppendLine(inner, content.GetString("title"));
                PivotMessages.AppendLine(inner, content.GetString("url") ?? content.GetString("source"));
                if (content.TryGet("source", JsonValueKind.Object, out var documentSource) && documentSource.GetString("type") == "text")
                {
                    PivotMessages.AppendLine(inner, documentSource.GetString("data"));
                }

                // A code execution result's output (code_execution_result, bash_code_execution_result), a text editor
                // edit's diff lines, or the error a server tool answered.
                PivotMessages.AppendLine(inner, content.GetString("stdout"));
                PivotMessages.AppendLine(inner, content.GetString("stderr"));
                if (content.TryGet("lines", JsonValueKind.Array, out var lines))
                {
                    PivotMessages.AppendLine(inner, CarriedText(lines, depth + 1));
                }

                if (content.GetString("error_code") is { Length: > 0 } errorCode)
                {
                    PivotMessages.AppendLine(inner, "Error: " + errorCode);
                }

                if (content.TryGetProperty("content", out var nested))
                {
                    PivotMessages.AppendLine(inner, CarriedText(nested, depth + 1));
                }

                return inner.ToString();
            default:
                return null;
        }
    }

    /// <summary>A message without content (or with null) is a turn with nothing to say: left out, with a note.</summary>
    private static bool IsAbsent(JsonElement content, string path, TranslationNotes notes)
    {
        if (content.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            notes.Add($"{path}.content: missing, message left out");
            return true;
        }

        return false;
    }

    private static string BlockType(JsonElement block, string path) =>
        block.ValueKind == JsonValueKind.Object && block.GetString("type") is { } type
            ? type
            : throw new TranslationException($"{path}: a content block must be an object with a type.");

    private static void RequireArray(JsonElement content, string path)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new TranslationException($"{path}.content: must be a string or an array of content blocks.");
        }
    }
}
