using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation;

/// <summary>
/// OpenAI Chat Completions request → Anthropic Messages request, for <c>anthropic/</c> upstreams. Liberal like its
/// twin <see cref="AnthropicRequestTranslator"/>: unknown roles, parts, tools and fields become text or are left out
/// with a note; only what the client itself got wrong is refused (docs/compatibility.md).
/// </summary>
internal static partial class OpenAiRequestTranslator
{
    private static readonly FrozenSet<string> s_known = FrozenSet.ToFrozenSet(
    [
        "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "tools", "tool_choice",
        "parallel_tool_calls", "stream", "stream_options", "user", "response_format",
    ], StringComparer.Ordinal);

    /// <summary>The forced tool that carries a JSON answer (LiteLLM's name, so that logs of both read alike).</summary>
    public const string JsonToolName = "json_tool_call";

    public static TranslatedRequest ToAnthropic(ReadOnlySpan<byte> openAiChatJson, in OpenAiToAnthropicOptions options)
    {
        using var document = JsonInput.Parse(openAiChatJson, "The request body");
        try
        {
            return Translate(document.RootElement, openAiChatJson.Length, options);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw JsonInput.NotUnicode(e);
        }
    }

    private static TranslatedRequest Translate(JsonElement root, int inputLength, in OpenAiToAnthropicOptions options)
    {
        if (!root.TryGet("messages", JsonValueKind.Array, out var messages))
        {
            throw new TranslationException("messages: field required (an array of messages).");
        }

        var requestedModel = root.GetString("model") ?? throw new TranslationException("model: field required.");
        var stream = root.IsTrue("stream");
        var includeUsage = stream && root.TryGet("stream_options", JsonValueKind.Object, out var streamOptions)
                           && streamOptions.IsTrue("include_usage");
        var user = root.GetString("user");
        var notes = new TranslationNotes();
        string? jsonTool;
        var buffer = new ArrayBufferWriter<byte>(inputLength + 256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            json.WriteStartObject();
            json.WriteString("model"u8, options.UpstreamModel);
            var maxTokens = root.TryGet("max_completion_tokens", JsonValueKind.Number, out var mct) ? mct
                : root.TryGet("max_tokens", JsonValueKind.Number, out var mt) ? mt : default;
            json.WriteNumber("max_tokens"u8, maxTokens.ValueKind == JsonValueKind.Number && maxTokens.TryGetInt32(out var n) && n > 0
                ? n : options.DefaultMaxTokens);
            WriteMessages(json, messages, notes);
            var hasTemperature = root.TryGet("temperature", JsonValueKind.Number, out var temperature);
            if (hasTemperature)
            {
                JsonInput.WriteClamped(json, "temperature", temperature, 0, 1);
            }

            if (root.TryGet("top_p", JsonValueKind.Number, out var topP))
            {
                // Claude models since Sonnet 4.5 refuse both at once (400); the temperature is the one clients mean to set.
                if (hasTemperature)
                {
                    notes.Add("top_p: left out (Anthropic refuses temperature and top_p together; temperature kept)");
                }
                else
                {
                    JsonInput.WriteClamped(json, "top_p", topP, 0, 1);
                }
            }

            WriteStop(json, root);
            jsonTool = WriteTools(json, root, notes);
            if (stream)
            {
                json.WriteBoolean("stream"u8, true);
            }

            if (user is not null)
            {
                json.WriteStartObject("metadata"u8);
                json.WriteString("user_id"u8, user);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        notes.AddUnknownFields(root, s_known, "not an Anthropic field");

        notes.LogTo(options.Logger, "openai→anthropic");
        return new TranslatedRequest
        {
            Body = buffer.WrittenSpan.ToArray(),
            Stream = stream,
            RequestedModel = requestedModel,
            SessionId = user,
            IncludeUsage = includeUsage,
            JsonToolName = jsonTool,
            Notes = notes.Items,
        };
    }

    private static void WriteStop(Utf8JsonWriter json, JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var stop))
        {
            return;
        }

        if (stop.ValueKind == JsonValueKind.String)
        {
            json.WriteStartArray("stop_sequences"u8);
            stop.WriteTo(json);
            json.WriteEndArray();
        }
        else if (stop.ValueKind == JsonValueKind.Array && stop.GetArrayLength() > 0)
        {
            json.WriteStartArray("stop_sequences"u8);
            foreach (var s in stop.EnumerateArray())
            {
                if (s.ValueKind == JsonValueKind.String)
                {
                    s.WriteTo(json);
                }
            }

            json.WriteEndArray();
        }
    }

    /// <summary>
    /// Writes <c>tools</c> and <c>tool_choice</c>; with a JSON <c>response_format</c>, also the forced JSON tool (see
    /// <see cref="ResponseFormat"/>). Returns that tool's name, or null when none was added.
    /// </summary>
    private static string? WriteTools(Utf8JsonWriter json, JsonElement root, TranslationNotes notes)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        if (root.TryGet("tools", JsonValueKind.Array, out var tools))
        {
            var index = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                var path = $"tools[{index++}]";
                // Only functions have an Anthropic twin; custom (free-form) tools and provider tools are left out.
                if (tool.ValueKind != JsonValueKind.Object || tool.GetString("type") is { } toolType && toolType != "function")
                {
                    notes.Add($"{path}: not a function tool, left out");
                    continue;
                }

                if (!tool.TryGet("function", JsonValueKind.Object, out var function) || function.GetString("name") is not { } name)
                {
                    throw new TranslationException($"{path}.function.name: field required.");
                }

                if (sent.Count == 0)
                {
                    json.WriteStartArray("tools"u8);
                }

                sent.Add(name);
                json.WriteStartObject();
                json.WriteString("name"u8, name);
                if (function.GetString("description") is { } description)
                {
                    json.WriteString("description"u8, description);
                }

                JsonInput.WriteObjectSchema(json, "input_schema"u8, function, "parameters");

                json.WriteEndObject();
            }
        }

        var disableParallel = root.TryGetProperty("parallel_tool_calls", out var parallel) && parallel.ValueKind == JsonValueKind.False;
        string type = "auto";
        string? toolName = null;
        if (sent.Count > 0 && root.TryGetProperty("tool_choice", out var choice))
        {
            if (choice.ValueKind == JsonValueKind.String)
            {
                type = choice.GetString() switch
                {
                    "required" => "any",
                    "none" => "none",
                    _ => "auto",
                };
            }
            else if (choice.ValueKind == JsonValueKind.Object && choice.TryGet("function", JsonValueKind.Object, out var function)
                     && function.GetString("name") is { } name && sent.Contains(name))
            {
                type = "tool";
                toolName = name;
            }
            else
            {
                notes.Add("tool_choice: names no function that was sent, auto instead");
            }
        }

        // A JSON answer is asked for: one more tool, unless the client named the function it wants called.
        string? jsonTool = null;
        if (type != "tool" && ResponseFormat(root, notes) is { } format)
        {
            jsonTool = JsonToolName;
            while (sent.Contains(jsonTool))
            {
                jsonTool += "_";
            }

            if (sent.Count == 0)
            {
                json.WriteStartArray("tools"u8);
            }

            sent.Add(jsonTool);
            json.WriteStartObject();
            json.WriteString("name"u8, jsonTool);
            json.WriteString("description"u8, format.Description);
            json.WritePropertyName("input_schema"u8);
            json.WriteRawValue(format.Schema, skipInputValidation: true);
            json.WriteEndObject();

            // No other tool, or none the model may call: the JSON tool is the answer. Else the model must call a tool,
            // a real one or the JSON one; prose would be no JSON anyway.
            (type, toolName) = type is "none" || sent.Count == 1 ? ("tool", jsonTool) : ("any", null);
        }

        if (sent.Count == 0)
        {
            return null;
        }

        json.WriteEndArray();
        json.WriteStartObject("tool_choice"u8);
        json.WriteString("type"u8, type);
        if (toolName is not null)
        {
            json.WriteString("name"u8, toolName);
        }

        if (disableParallel && type != "none")
        {
            json.WriteBoolean("disable_parallel_tool_use"u8, true);
        }

        json.WriteEndObject();
        return jsonTool;
    }

    /// <summary>
    /// <c>response_format</c> <c>json_schema</c> / <c>json_object</c>: Anthropic has no JSON mode, so the answer is asked
    /// for as the input of a forced tool whose <c>input_schema</c> is the schema (LiteLLM's approach); the answer
    /// translators turn that tool call back into text (<see cref="TranslatedRequest.JsonToolName"/>). Null for
    /// <c>text</c>, a missing field or an unknown type (noted).
    /// </summary>
    private static (string Description, byte[] Schema)? ResponseFormat(JsonElement root, TranslationNotes notes)
    {
        if (!root.TryGet("response_format", JsonValueKind.Object, out var format))
        {
            return null;
        }

        const string Ask = "Give the final answer by calling this tool: its input is the answer, as a JSON object.";
        switch (format.GetString("type"))
        {
            case "json_object":
                return (Ask, "{\"type\":\"object\"}"u8.ToArray());
            case "json_schema":
                var spec = format.TryGet("json_schema", JsonValueKind.Object, out var s) ? s : default;
                var description = spec.ValueKind == JsonValueKind.Object && spec.GetString("description") is { Length: > 0 } d ? Ask + " " + d : Ask;
                if (spec.ValueKind == JsonValueKind.Object && spec.TryGet("schema", JsonValueKind.Object, out var schema)
                    && schema.GetString("type") is "object" or null)
                {
                    return (description, Encoding.UTF8.GetBytes(JsonInput.Compact(schema)));
                }

                notes.Add("response_format.json_schema.schema: not an object schema, any JSON object asked for");
                return (description, "{\"type\":\"object\"}"u8.ToArray());
            case "text" or null:
                return null;
            case var other:
                notes.Add($"response_format.type {JsonInput.Quote(other, 64)}: unknown, left out");
                return null;
        }
    }

    /// <summary>The text of a string or of an array of parts; parts without text (audio, files) are left out with a note.</summary>
    private static string TextOf(JsonElement content, string path, TranslationNotes notes)
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
                foreach (var part in content.EnumerateArray())
                {
                    var partText = PartText(part, $"{path}[{i++}]", notes);
                    if (!string.IsNullOrEmpty(partText))
                    {
                        if (text.Length > 0)
                        {
                            text.Append('\n');
                        }

                        text.Append(partText);
                    }
                }

                return text.ToString();
            default:
                throw new TranslationException($"{path}: must be a string or an array of content parts.");
        }
    }

    /// <summary>A part's text: text (and the Responses-style input_text/output_text), refusal; null with a note for the rest.</summary>
    private static string? PartText(JsonElement part, string path, TranslationNotes notes)
    {
        if (part.ValueKind == JsonValueKind.String)
        {
            return part.GetString();
        }

        var type = part.ValueKind == JsonValueKind.Object ? part.GetString("type") : null;
        if (type is "text" or "input_text" or "output_text")
        {
            return part.GetString("text");
        }

        if (type == "refusal")
        {
            return part.GetString("refusal");
        }

        if (part.ValueKind == JsonValueKind.Object && part.GetString("text") is { } text)
        {
            notes.Add($"{path}: {JsonInput.Quote(type, 64)} part sent as text");
            return text;
        }

        notes.Add($"{path}: {JsonInput.Quote(type, 64)} part cannot be sent to this model, left out");
        return null;
    }
}
