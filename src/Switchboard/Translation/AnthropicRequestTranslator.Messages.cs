using System.Text;
using System.Text.Json;

namespace Switchboard.Translation;

internal static partial class AnthropicRequestTranslator
{
    private static void WriteMessages(Utf8JsonWriter json, JsonElement root, JsonElement messages, ToolNameMap names)
    {
        json.WriteStartArray("messages"u8);
        if (root.TryGetProperty("system", out var system))
        {
            var text = system.ValueKind switch
            {
                JsonValueKind.String => system.GetString()!,
                JsonValueKind.Array => JoinText(system, "system"),
                JsonValueKind.Null => "",
                _ => throw new TranslationException("system: must be a string or an array of text blocks."),
            };
            if (text.Length > 0)
            {
                json.WriteStartObject();
                json.WriteString("role"u8, "system"u8);
                json.WriteString("content"u8, text);
                json.WriteEndObject();
            }
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = $"messages[{index++}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new TranslationException($"{path}: must be an object.");
            }

            if (!message.TryGetProperty("content", out var content))
            {
                throw new TranslationException($"{path}.content: field required.");
            }

            switch (message.GetString("role"))
            {
                case "user":
                    WriteUser(json, content, path);
                    break;
                case "assistant":
                    WriteAssistant(json, content, path, names);
                    break;
                default:
                    throw new TranslationException($"{path}.role: must be \"user\" or \"assistant\".");
            }
        }

        json.WriteEndArray();
    }

    private static void WriteUser(Utf8JsonWriter json, JsonElement content, string path)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            WriteSimple(json, "user", content.GetString()!);
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
                    WriteToolResult(json, block, blockPath, parts);
                    break;
                case "text":
                    parts.Add(UserPart.Text(block.GetString("text") ?? ""));
                    break;
                case "image":
                    parts.Add(UserPart.Image(ImageUrl(block, blockPath)));
                    break;
                case "document":
                    parts.Add(UserPart.Text(DocumentText(block, blockPath)));
                    break;
                default:
                    throw new TranslationException($"{blockPath}.type: \"{type}\" is not supported in a user message for this model.");
            }
        }

        if (parts.Count == 0)
        {
            return;
        }

        json.WriteStartObject();
        json.WriteString("role"u8, "user"u8);
        if (parts.TrueForAll(p => p.ImageUrl is null))
        {
            json.WriteString("content"u8, string.Join("\n", parts.ConvertAll(p => p.Value)));
        }
        else
        {
            json.WriteStartArray("content"u8);
            foreach (var part in parts)
            {
                json.WriteStartObject();
                if (part.ImageUrl is { } url)
                {
                    json.WriteString("type"u8, "image_url"u8);
                    json.WriteStartObject("image_url"u8);
                    json.WriteString("url"u8, url);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteString("type"u8, "text"u8);
                    json.WriteString("text"u8, part.Value);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteToolResult(Utf8JsonWriter json, JsonElement block, string path, List<UserPart> parts)
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
                    switch (BlockType(inner, innerPath))
                    {
                        case "text":
                            AppendLine(text, inner.GetString("text"));
                            break;
                        case "document":
                            AppendLine(text, DocumentText(inner, innerPath));
                            break;
                        case "image":
                            // A tool message holds text only; the image rides with the user message that follows.
                            parts.Add(UserPart.Image(ImageUrl(inner, innerPath)));
                            break;
                        default:
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

    private static void WriteAssistant(Utf8JsonWriter json, JsonElement content, string path, ToolNameMap names)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            WriteSimple(json, "assistant", content.GetString()!);
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
                case "redacted_thinking":
                    break;
                case "tool_use":
                    if (block.GetString("id") is null || block.GetString("name") is null)
                    {
                        throw new TranslationException($"{blockPath}: tool_use needs an id and a name.");
                    }

                    toolUses.Add(block);
                    break;
                default:
                    throw new TranslationException($"{blockPath}.type: \"{type}\" is not supported in an assistant message for this model.");
            }
        }

        if (text is null && reasoning is null && toolUses.Count == 0)
        {
            return;
        }

        json.WriteStartObject();
        json.WriteString("role"u8, "assistant"u8);
        if (text is null && toolUses.Count > 0)
        {
            json.WriteNull("content"u8);
        }
        else
        {
            json.WriteString("content"u8, text?.ToString() ?? "");
        }

        if (reasoning is not null)
        {
            json.WriteString("reasoning_content"u8, reasoning.ToString());
        }

        if (toolUses.Count > 0)
        {
            json.WriteStartArray("tool_calls"u8);
            foreach (var toolUse in toolUses)
            {
                json.WriteStartObject();
                json.WriteString("id"u8, toolUse.GetString("id"));
                json.WriteString("type"u8, "function"u8);
                json.WriteStartObject("function"u8);
                json.WriteString("name"u8, names.Shorten(toolUse.GetString("name")!));
                json.WriteString("arguments"u8, toolUse.TryGet("input", JsonValueKind.Object, out var input) ? JsonInput.Compact(input) : "{}");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteSimple(Utf8JsonWriter json, string role, string content)
    {
        json.WriteStartObject();
        json.WriteString("role"u8, role);
        json.WriteString("content"u8, content);
        json.WriteEndObject();
    }

    private static string ImageUrl(JsonElement block, string path)
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
            default:
                throw new TranslationException($"{path}.source.type: only base64 and url images can be sent to this model.");
        }
    }

    private static string DocumentText(JsonElement block, string path)
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
            text = JoinText(blocks, $"{path}.source.content");
        }
        else
        {
            throw new TranslationException(
                $"{path}: {mediaType ?? type ?? "this"} documents are not supported by this model; send the text instead.");
        }

        return block.GetString("title") is { Length: > 0 } title ? $"{title}\n\n{text}" : text;
    }

    private static string JoinText(JsonElement blocks, string path)
    {
        var text = new StringBuilder();
        var i = 0;
        foreach (var block in blocks.EnumerateArray())
        {
            var blockPath = $"{path}[{i++}]";
            if (BlockType(block, blockPath) == "text")
            {
                AppendLine(text, block.GetString("text"));
            }
        }

        return text.ToString();
    }

    private static void AppendLine(StringBuilder text, string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        if (text.Length > 0)
        {
            text.Append('\n');
        }

        text.Append(line);
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

    private readonly record struct UserPart(string Value, string? ImageUrl)
    {
        public static UserPart Text(string text) => new(text, null);

        public static UserPart Image(string url) => new("", url);
    }
}
