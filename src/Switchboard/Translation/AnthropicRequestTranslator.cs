using System.Buffers;
using System.Text.Json;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation;

/// <summary>Anthropic Messages request → OpenAI Chat Completions request. Pure: bytes in, bytes out.</summary>
internal static partial class AnthropicRequestTranslator
{
    public static TranslatedRequest ToOpenAi(ReadOnlySpan<byte> anthropicJson, in AnthropicToOpenAiOptions options)
    {
        using var document = JsonInput.Parse(anthropicJson, "The request body");
        var root = document.RootElement;
        if (!root.TryGet("messages", JsonValueKind.Array, out var messages))
        {
            throw new TranslationException("messages: field required (an array of messages).");
        }

        var requestedModel = root.GetString("model") ?? throw new TranslationException("model: field required.");
        var stream = root.IsTrue("stream");
        var names = new ToolNameMap();
        var buffer = new ArrayBufferWriter<byte>(anthropicJson.Length + 256);
        var hasTools = false;
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            json.WriteStartObject();
            json.WriteString("model"u8, options.UpstreamModel);
            WriteMessages(json, root, messages, names);
            WriteSampling(json, root, options);
            hasTools = WriteTools(json, root, names, options.IsGlm);
            if (stream)
            {
                json.WriteBoolean("stream"u8, true);
                if (!options.OmitStreamOptions)
                {
                    json.WriteStartObject("stream_options"u8);
                    json.WriteBoolean("include_usage"u8, true);
                    json.WriteEndObject();
                }

                if (options.IsGlm && hasTools)
                {
                    json.WriteBoolean("tool_stream"u8, true);
                }
            }

            if (options.IsGlm && root.TryGet("thinking", JsonValueKind.Object, out var thinking))
            {
                var type = thinking.GetString("type");
                if (type is "enabled" or "disabled")
                {
                    json.WriteStartObject("thinking"u8);
                    json.WriteString("type"u8, type);
                    json.WriteEndObject();
                }
            }

            json.WriteEndObject();
        }

        string? sessionId = null;
        if (root.TryGet("metadata", JsonValueKind.Object, out var metadata))
        {
            sessionId = metadata.GetString("user_id");
        }

        return new TranslatedRequest
        {
            Body = buffer.WrittenSpan.ToArray(),
            Stream = stream,
            RequestedModel = requestedModel,
            SessionId = sessionId,
            ToolNames = names.Count == 0 ? ToolNameMap.Empty : names,
        };
    }

    private static void WriteSampling(Utf8JsonWriter json, JsonElement root, in AnthropicToOpenAiOptions options)
    {
        if (root.TryGet("max_tokens", JsonValueKind.Number, out var maxTokens))
        {
            var value = maxTokens.TryGetInt64(out var n) ? n : long.MaxValue;
            if (options.MaxOutputTokens is { } limit && value > limit)
            {
                value = limit;
            }

            json.WriteNumber("max_tokens"u8, Math.Max(1, value));
        }
        else if (options.MaxOutputTokens is { } limit)
        {
            json.WriteNumber("max_tokens"u8, limit);
        }

        if (root.TryGetProperty("temperature", out var temperature))
        {
            JsonInput.WriteClamped(json, "temperature", temperature, 0, options.IsGlm ? 1 : 2);
        }

        if (root.TryGetProperty("top_p", out var topP))
        {
            JsonInput.WriteClamped(json, "top_p", topP, 0, 1);
        }

        if (root.TryGet("stop_sequences", JsonValueKind.Array, out var stops) && stops.GetArrayLength() > 0)
        {
            json.WriteStartArray("stop"u8);
            foreach (var stop in stops.EnumerateArray())
            {
                if (stop.ValueKind == JsonValueKind.String)
                {
                    stop.WriteTo(json);
                }
            }

            json.WriteEndArray();
        }
    }

    private static bool WriteTools(Utf8JsonWriter json, JsonElement root, ToolNameMap names, bool isGlm)
    {
        if (!root.TryGet("tools", JsonValueKind.Array, out var tools))
        {
            return false;
        }

        // GLM cannot be told "none"; offering no tools has the same effect.
        if (isGlm && root.TryGet("tool_choice", JsonValueKind.Object, out var choice) && choice.GetString("type") == "none")
        {
            return false;
        }

        var written = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            // Server tools (web_search, bash_20250124…) carry a type and no input_schema: only Anthropic can run them.
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGet("input_schema", JsonValueKind.Object, out var schema))
            {
                continue;
            }

            var name = tool.GetString("name") ?? throw new TranslationException("tools: every tool needs a name.");
            if (written++ == 0)
            {
                json.WriteStartArray("tools"u8);
            }

            json.WriteStartObject();
            json.WriteString("type"u8, "function"u8);
            json.WriteStartObject("function"u8);
            json.WriteString("name"u8, names.Shorten(name));
            if (tool.GetString("description") is { } description)
            {
                json.WriteString("description"u8, description);
            }

            json.WritePropertyName("parameters"u8);
            schema.WriteTo(json);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        if (written == 0)
        {
            return false;
        }

        json.WriteEndArray();
        WriteToolChoice(json, root, names, isGlm);
        return true;
    }

    private static void WriteToolChoice(Utf8JsonWriter json, JsonElement root, ToolNameMap names, bool isGlm)
    {
        if (!root.TryGet("tool_choice", JsonValueKind.Object, out var choice))
        {
            if (isGlm)
            {
                json.WriteString("tool_choice"u8, "auto"u8);
            }

            return;
        }

        if (isGlm)
        {
            // Z.ai accepts only "auto"; any/tool would be refused with error 1210 (none never reaches here).
            json.WriteString("tool_choice"u8, "auto"u8);
            return;
        }

        switch (choice.GetString("type"))
        {
            case "any":
                json.WriteString("tool_choice"u8, "required"u8);
                break;
            case "none":
                json.WriteString("tool_choice"u8, "none"u8);
                break;
            case "tool" when choice.GetString("name") is { } name:
                json.WriteStartObject("tool_choice"u8);
                json.WriteString("type"u8, "function"u8);
                json.WriteStartObject("function"u8);
                json.WriteString("name"u8, names.Shorten(name));
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            default:
                json.WriteString("tool_choice"u8, "auto"u8);
                break;
        }

        if (choice.IsTrue("disable_parallel_tool_use"))
        {
            json.WriteBoolean("parallel_tool_calls"u8, false);
        }
    }
}
