using System.Text.Json;

namespace Switchboard.Translation;

internal static partial class OpenAiRequestTranslator
{
    /// <summary>
    /// Anthropic wants alternating user/assistant turns with the system prompt apart: system messages are lifted out,
    /// tool answers become tool_result blocks of a user turn, and consecutive turns of one role are merged.
    /// </summary>
    private static void WriteMessages(Utf8JsonWriter json, JsonElement messages, TranslationNotes notes)
    {
        var system = new List<string>();
        var hasTurn = false;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object)
            {
                hasTurn = true; // refused below, with its index
            }
            else if (message.GetString("role") is "system" or "developer")
            {
                var text = TextOf(message.TryGetProperty("content", out var c) ? c : default, $"messages[{index}].content", notes);
                if (text.Length > 0)
                {
                    system.Add(text);
                }
            }
            else
            {
                hasTurn |= !IsEmpty(message.GetString("role") ?? "user", message, message.TryGetProperty("content", out var c) ? c : default);
            }

            index++;
        }

        if (!hasTurn)
        {
            // OpenAI answers a conversation of system text alone (a one-shot instruction); Anthropic needs one user turn,
            // so that text becomes it. With no text at all, every upstream would refuse the call after it was spent.
            if (system.Count == 0)
            {
                throw new TranslationException("messages: nothing this model can read (no message, or every message empty).");
            }

            notes.Add("messages: only system/developer text, sent as the user turn");
            json.WriteStartArray("messages"u8);
            json.WriteStartObject();
            json.WriteString("role"u8, "user"u8);
            json.WriteStartArray("content"u8);
            WriteText(json, string.Join("\n\n", system));
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            return;
        }

        if (system.Count > 0)
        {
            json.WriteString("system"u8, string.Join("\n\n", system));
        }

        json.WriteStartArray("messages"u8);
        string? openRole = null;
        index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = $"messages[{index++}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new TranslationException($"{path}: must be an object.");
            }

            var role = message.GetString("role");
            var content = message.TryGetProperty("content", out var c) ? c : default;
            var anthropicRole = role switch
            {
                "system" or "developer" => null,
                "user" or "tool" => "user",
                "assistant" => "assistant",
                _ => "user",
            };
            if (anthropicRole is null)
            {
                continue;
            }

            if (role is not ("user" or "tool" or "assistant"))
            {
                // The legacy "function" role and any role OpenAI adds later: what they say reaches the model as user text.
                notes.Add($"{path}.role {JsonInput.Quote(role, 64)}: unknown, sent as user text");
                role = "user";
            }

            // Anthropic refuses a turn without content; a message with nothing to say is left out.
            if (IsEmpty(role, message, content))
            {
                notes.Add($"{path}: no content, message left out");
                continue;
            }

            if (openRole != anthropicRole)
            {
                if (openRole is not null)
                {
                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteStartObject();
                json.WriteString("role"u8, anthropicRole);
                json.WriteStartArray("content"u8);
                openRole = anthropicRole;
            }

            switch (role)
            {
                case "tool":
                    json.WriteStartObject();
                    json.WriteString("type"u8, "tool_result"u8);
                    json.WriteString("tool_use_id"u8, message.GetString("tool_call_id")
                        ?? throw new TranslationException($"{path}.tool_call_id: field required."));
                    json.WriteString("content"u8, TextOf(content, $"{path}.content", notes));
                    json.WriteEndObject();
                    break;
                case "user":
                    WriteUserContent(json, content, path, notes);
                    break;
                default:
                    WriteAssistantContent(json, message, content, path, notes);
                    break;
            }
        }

        if (openRole is not null)
        {
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static bool IsEmpty(string role, JsonElement message, JsonElement content) => role switch
    {
        "tool" => false,
        "assistant" when message.TryGet("tool_calls", JsonValueKind.Array, out var calls) && calls.GetArrayLength() > 0 => false,
        _ => content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!.Length == 0,
            JsonValueKind.Array => content.GetArrayLength() == 0,
            JsonValueKind.Null or JsonValueKind.Undefined => true,
            _ => false,
        },
    };

    private static void WriteUserContent(Utf8JsonWriter json, JsonElement content, string path, TranslationNotes notes)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            WriteText(json, TextOf(content, $"{path}.content", notes));
            return;
        }

        var i = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partPath = $"{path}.content[{i++}]";
            switch (part.ValueKind == JsonValueKind.Object ? part.GetString("type") : null)
            {
                case "image_url" or "input_image":
                    var url = part.TryGet("image_url", JsonValueKind.Object, out var image) ? image.GetString("url") : part.GetString("image_url");
                    WriteImage(json, url ?? throw new TranslationException($"{partPath}.image_url.url: field required."), partPath);
                    break;
                case "file" when part.TryGet("file", JsonValueKind.Object, out var file) && PdfData(file.GetString("file_data")) is { } pdf:
                    // Anthropic reads PDFs itself: a file part that carries one inline becomes a document block.
                    json.WriteStartObject();
                    json.WriteString("type"u8, "document"u8);
                    json.WriteStartObject("source"u8);
                    json.WriteString("type"u8, "base64"u8);
                    json.WriteString("media_type"u8, "application/pdf"u8);
                    json.WriteString("data"u8, pdf);
                    json.WriteEndObject();
                    json.WriteEndObject();
                    break;
                default:
                    WriteText(json, PartText(part, partPath, notes) ?? "");
                    break;
            }
        }
    }

    private static string? PdfData(string? fileData)
    {
        const string Prefix = "data:application/pdf;base64,";
        return fileData is not null && fileData.StartsWith(Prefix, StringComparison.Ordinal) ? fileData[Prefix.Length..] : null;
    }

    private static void WriteAssistantContent(Utf8JsonWriter json, JsonElement message, JsonElement content, string path, TranslationNotes notes)
    {
        WriteText(json, TextOf(content, $"{path}.content", notes));
        if (!message.TryGet("tool_calls", JsonValueKind.Array, out var toolCalls))
        {
            return;
        }

        var i = 0;
        foreach (var call in toolCalls.EnumerateArray())
        {
            var callPath = $"{path}.tool_calls[{i++}]";
            if (!call.TryGet("function", JsonValueKind.Object, out var function) || function.GetString("name") is not { } name)
            {
                throw new TranslationException($"{callPath}.function.name: field required.");
            }

            json.WriteStartObject();
            json.WriteString("type"u8, "tool_use"u8);
            json.WriteString("id"u8, call.GetString("id") ?? throw new TranslationException($"{callPath}.id: field required."));
            json.WriteString("name"u8, name);
            json.WritePropertyName("input"u8);
            ToolArguments.WriteInput(json, function.GetString("arguments"));
            json.WriteEndObject();
        }
    }

    private static void WriteText(Utf8JsonWriter json, string text)
    {
        // Anthropic refuses empty text blocks.
        if (text.Length == 0)
        {
            return;
        }

        json.WriteStartObject();
        json.WriteString("type"u8, "text"u8);
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    private static void WriteImage(Utf8JsonWriter json, string url, string path)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "image"u8);
        json.WriteStartObject("source"u8);
        if (url.StartsWith("data:", StringComparison.Ordinal))
        {
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            var header = comma < 0 ? "" : url[5..comma];
            if (comma < 0 || !header.EndsWith(";base64", StringComparison.Ordinal))
            {
                throw new TranslationException($"{path}.image_url.url: a data URL must be base64.");
            }

            json.WriteString("type"u8, "base64"u8);
            json.WriteString("media_type"u8, header[..^";base64".Length]);
            // Checked here, not by Anthropic after a call is spent; the URL-safe alphabet goes on in the standard one.
            switch (Base64Data.Classify(url.AsSpan(comma + 1)))
            {
                case Base64Data.Kind.Standard:
                    json.WriteString("data"u8, url.AsSpan(comma + 1));
                    break;
                case Base64Data.Kind.UrlSafe:
                    json.WriteString("data"u8, Base64Data.ToStandard("", url, comma + 1));
                    break;
                default:
                    throw new TranslationException($"{path}.image_url.url: the data URL's data is not valid base64.");
            }
        }
        else
        {
            json.WriteString("type"u8, "url"u8);
            json.WriteString("url"u8, url);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }
}
