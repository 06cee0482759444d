using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Switchboard.MockProvider;

/// <summary>Reads the few fields the mock needs; lenient about everything else, like a real provider would be about extras.</summary>
internal static class MockRequestParser
{
    /// <summary>Parses an OpenAI chat or legacy completions body.</summary>
    /// <returns>null when the body is not a JSON object.</returns>
    public static MockRequest? ParseOpenAi(ReadOnlySequence<byte> body)
    {
        using var doc = TryParse(body);
        if (doc is null) return null;
        var root = doc.RootElement;
        var request = ReadCommon(root);
        if (root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
            && options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True)
        {
            request.IncludeUsage = true;
        }

        if (root.TryGetProperty("prompt", out var prompt))
        {
            request.PromptChars += TextOf(prompt).Length;
        }

        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            ReadOpenAiMessages(messages, request);
        }

        return request;
    }

    /// <summary>Parses an Anthropic Messages (or count_tokens) body.</summary>
    public static MockRequest? ParseAnthropic(ReadOnlySequence<byte> body)
    {
        using var doc = TryParse(body);
        if (doc is null) return null;
        var root = doc.RootElement;
        var request = ReadCommon(root);
        if (root.TryGetProperty("system", out var system)) request.PromptChars += TextOf(system).Length;
        ReadForcedTool(root, request);
        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            ReadAnthropicMessages(messages, request);
        }

        return request;
    }

    /// <summary>
    /// Parses an OpenAI Responses body: <c>instructions</c> and every item's text count towards the prompt; the last
    /// item's user text carries the directives, trailing <c>function_call_output</c> items are the tool result.
    /// </summary>
    public static MockRequest? ParseResponses(ReadOnlySequence<byte> body)
    {
        using var doc = TryParse(body);
        if (doc is null) return null;
        var root = doc.RootElement;
        var request = ReadCommon(root);
        if (root.TryGetProperty("instructions", out var instructions)) request.PromptChars += TextOf(instructions).Length;
        if (!root.TryGetProperty("input", out var input)) return request;
        if (input.ValueKind == JsonValueKind.String)
        {
            request.LastUserText = input.GetString();
            request.PromptChars += request.LastUserText?.Length ?? 0;
            return request;
        }

        if (input.ValueKind != JsonValueKind.Array) return request;
        StringBuilder? toolResults = null;
        string? lastUser = null;
        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) continue;
            var type = item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "message";
            var role = item.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            var text = type switch
            {
                "message" => item.TryGetProperty("content", out var c) ? TextOf(c) : "",
                "function_call_output" or "custom_tool_call_output" => item.TryGetProperty("output", out var o) ? (o.ValueKind == JsonValueKind.String ? o.GetString() ?? "" : TextOf(o)) : "",
                _ => "",
            };
            request.PromptChars += text.Length;
            if (type is "function_call_output" or "custom_tool_call_output")
            {
                Append(ref toolResults, text);
                lastUser = null;
            }
            else if (type == "message" && role is "system" or "developer")
            {
                continue;
            }
            else
            {
                toolResults = null;
                lastUser = type == "message" && role == "user" ? text : null;
            }
        }

        request.LastUserText = lastUser;
        request.ToolResult = toolResults?.ToString();
        return request;
    }

    /// <summary>Parses an OpenAI embeddings body.</summary>
    public static MockRequest? ParseEmbeddings(ReadOnlySequence<byte> body)
    {
        using var doc = TryParse(body);
        if (doc is null) return null;
        var root = doc.RootElement;
        var request = ReadCommon(root);
        if (root.TryGetProperty("dimensions", out var dims) && dims.TryGetInt32(out var d) && d > 0) request.Dimensions = d;
        if (root.TryGetProperty("encoding_format", out var format) && format.ValueKind == JsonValueKind.String
            && format.ValueEquals("base64"))
        {
            request.Base64 = true;
        }

        if (root.TryGetProperty("input", out var input))
        {
            // An array of token ids is one input; an array of strings or of token arrays is several.
            if (input.ValueKind == JsonValueKind.Array && input.GetArrayLength() > 0
                && input[0].ValueKind is JsonValueKind.String or JsonValueKind.Array)
            {
                foreach (var item in input.EnumerateArray()) request.Inputs.Add(InputText(item));
            }
            else
            {
                request.Inputs.Add(InputText(input));
            }
        }

        foreach (var text in request.Inputs) request.PromptChars += text.Length;
        return request;
    }

    private static string InputText(JsonElement item) =>
        item.ValueKind == JsonValueKind.String ? item.GetString() ?? "" : item.GetRawText();

    private static JsonDocument? TryParse(ReadOnlySequence<byte> body)
    {
        try
        {
            var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
            doc.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static MockRequest ReadCommon(JsonElement root)
    {
        var request = new MockRequest();
        if (root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String)
        {
            request.Model = model.GetString() ?? request.Model;
        }

        request.Stream = root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True;
        request.HasTools = root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array
            && tools.GetArrayLength() > 0;
        // JSON mode (OpenAI response_format), as Gemini CLI's model router and next-speaker check ask for: a real model
        // answers JSON then, and a client that gets prose retries for minutes.
        if (root.TryGetProperty("response_format", out var format) && format.ValueKind == JsonValueKind.Object
            && format.TryGetProperty("type", out var formatType) && formatType.ValueKind == JsonValueKind.String)
        {
            request.JsonMode = formatType.ValueEquals("json_object") || formatType.ValueEquals("json_schema");
            if (format.TryGetProperty("json_schema", out var jsonSchema) && jsonSchema.ValueKind == JsonValueKind.Object
                && jsonSchema.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.Object)
            {
                request.JsonSchema = schema.GetRawText();
            }
        }

        if (root.TryGetProperty("thinking", out var thinking) && thinking.ValueKind == JsonValueKind.Object
            && thinking.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            request.Thinking = type.ValueEquals("enabled") || type.ValueEquals("adaptive");
        }

        return request;
    }

    /// <summary>A real model must call the tool Anthropic's <c>tool_choice: {type: tool}</c> names; so does the mock.</summary>
    private static void ReadForcedTool(JsonElement root, MockRequest request)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind != JsonValueKind.Object
            || !choice.TryGetProperty("type", out var type) || !type.ValueEquals("tool")
            || !choice.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("name", out var toolName) && toolName.ValueEquals(name.GetString()))
            {
                request.ForcedTool = name.GetString();
                request.ForcedToolSchema = tool.TryGetProperty("input_schema", out var schema) && schema.ValueKind == JsonValueKind.Object
                    ? schema.GetRawText()
                    : null;
                return;
            }
        }
    }

    private static void ReadOpenAiMessages(JsonElement messages, MockRequest request)
    {
        var count = LastTurn(messages);
        var index = 0;
        StringBuilder? trailingToolResults = null;
        foreach (var message in messages.EnumerateArray())
        {
            index++;
            if (message.ValueKind != JsonValueKind.Object) continue;
            var text = message.TryGetProperty("content", out var content) ? TextOf(content) : "";
            request.PromptChars += text.Length;
            var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (role == "tool") Append(ref trailingToolResults, text);
            else trailingToolResults = null;
            if (index != count) continue;
            if (role == "user") request.LastUserText = text;
            if (role == "tool") request.ToolResult = trailingToolResults?.ToString();
        }
    }

    private static void ReadAnthropicMessages(JsonElement messages, MockRequest request)
    {
        var count = LastTurn(messages);
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            index++;
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("content", out var content)) continue;
            var last = index == count && message.TryGetProperty("role", out var role) && role.ValueEquals("user");
            if (content.ValueKind != JsonValueKind.Array)
            {
                var text = TextOf(content);
                request.PromptChars += text.Length;
                if (last) request.LastUserText = text;
                continue;
            }

            StringBuilder? userText = null;
            StringBuilder? toolResults = null;
            foreach (var block in content.EnumerateArray())
            {
                var type = block.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                var text = type switch
                {
                    "text" => block.TryGetProperty("text", out var x) ? TextOf(x) : "",
                    "thinking" => block.TryGetProperty("thinking", out var x) ? TextOf(x) : "",
                    "tool_result" => block.TryGetProperty("content", out var x) ? TextOf(x) : "",
                    "tool_use" => block.TryGetProperty("input", out var x) ? x.GetRawText() : "",
                    _ => "",
                };
                request.PromptChars += text.Length;
                if (!last) continue;
                if (type == "text") Append(ref userText, text);
                if (type == "tool_result") Append(ref toolResults, text);
            }

            if (!last) continue;
            request.LastUserText = userText?.ToString() ?? "";
            request.ToolResult = toolResults?.ToString();
        }
    }

    /// <summary>
    /// The 1-based position of the last message that is not a <c>system</c> or <c>developer</c> one: the turn the mock
    /// answers. Claude Code puts a system message after the user's turn (2.1.197 and newer, with its default model), and
    /// an Anthropic passthrough or a translation may keep it there; the mock, like a real provider, still answers the user.
    /// </summary>
    private static int LastTurn(JsonElement messages)
    {
        var last = 0;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            index++;
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var role)
                && role.ValueKind == JsonValueKind.String && (role.ValueEquals("system") || role.ValueEquals("developer")))
            {
                continue;
            }

            last = index;
        }

        return last;
    }

    private static void Append(ref StringBuilder? builder, string text)
    {
        builder ??= new StringBuilder();
        if (builder.Length > 0) builder.Append('\n');
        builder.Append(text);
    }

    /// <summary>The text of a content value: a string, or the <c>text</c> of each part of an array, joined by newlines.</summary>
    private static string TextOf(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString() ?? "";
            case JsonValueKind.Array:
                StringBuilder? builder = null;
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.String)
                    {
                        Append(ref builder, part.GetString() ?? "");
                    }
                    else if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text)
                        && text.ValueKind == JsonValueKind.String)
                    {
                        Append(ref builder, text.GetString() ?? "");
                    }
                }

                return builder?.ToString() ?? "";
            default:
                return "";
        }
    }
}
