using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation;

/// <summary>OpenAI Chat Completions request → Anthropic Messages request, for <c>anthropic/</c> upstreams.</summary>
internal static partial class OpenAiRequestTranslator
{
    public static TranslatedRequest ToAnthropic(ReadOnlySpan<byte> openAiChatJson, in OpenAiToAnthropicOptions options)
    {
        using var document = JsonInput.Parse(openAiChatJson, "The request body");
        var root = document.RootElement;
        if (!root.TryGet("messages", JsonValueKind.Array, out var messages))
        {
            throw new TranslationException("messages: field required (an array of messages).");
        }

        var requestedModel = root.GetString("model") ?? throw new TranslationException("model: field required.");
        var stream = root.IsTrue("stream");
        var includeUsage = stream && root.TryGet("stream_options", JsonValueKind.Object, out var streamOptions)
                           && streamOptions.IsTrue("include_usage");
        var user = root.GetString("user");
        var buffer = new ArrayBufferWriter<byte>(openAiChatJson.Length + 256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            json.WriteStartObject();
            json.WriteString("model"u8, options.UpstreamModel);
            var maxTokens = root.TryGet("max_completion_tokens", JsonValueKind.Number, out var mct) ? mct
                : root.TryGet("max_tokens", JsonValueKind.Number, out var mt) ? mt : default;
            json.WriteNumber("max_tokens"u8, maxTokens.ValueKind == JsonValueKind.Number && maxTokens.TryGetInt32(out var n) && n > 0
                ? n : options.DefaultMaxTokens);
            WriteMessages(json, messages);
            if (root.TryGetProperty("temperature", out var temperature))
            {
                JsonInput.WriteClamped(json, "temperature", temperature, 0, 1);
            }

            if (root.TryGetProperty("top_p", out var topP))
            {
                JsonInput.WriteClamped(json, "top_p", topP, 0, 1);
            }

            WriteStop(json, root);
            WriteTools(json, root);
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

        return new TranslatedRequest
        {
            Body = buffer.WrittenSpan.ToArray(),
            Stream = stream,
            RequestedModel = requestedModel,
            SessionId = user,
            IncludeUsage = includeUsage,
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

    private static void WriteTools(Utf8JsonWriter json, JsonElement root)
    {
        var hasTools = false;
        if (root.TryGet("tools", JsonValueKind.Array, out var tools) && tools.GetArrayLength() > 0)
        {
            json.WriteStartArray("tools"u8);
            foreach (var tool in tools.EnumerateArray())
            {
                if (!tool.TryGet("function", JsonValueKind.Object, out var function) || function.GetString("name") is not { } name)
                {
                    throw new TranslationException("tools: only function tools with a name can be sent to this model.");
                }

                json.WriteStartObject();
                json.WriteString("name"u8, name);
                if (function.GetString("description") is { } description)
                {
                    json.WriteString("description"u8, description);
                }

                json.WritePropertyName("input_schema"u8);
                if (function.TryGet("parameters", JsonValueKind.Object, out var parameters))
                {
                    parameters.WriteTo(json);
                }
                else
                {
                    json.WriteStartObject();
                    json.WriteString("type"u8, "object"u8);
                    json.WriteStartObject("properties"u8);
                    json.WriteEndObject();
                    json.WriteEndObject();
                }

                json.WriteEndObject();
                hasTools = true;
            }

            json.WriteEndArray();
        }

        if (!hasTools)
        {
            return;
        }

        var disableParallel = root.TryGetProperty("parallel_tool_calls", out var parallel) && parallel.ValueKind == JsonValueKind.False;
        string type = "auto";
        string? toolName = null;
        if (root.TryGetProperty("tool_choice", out var choice))
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
            else if (choice.ValueKind == JsonValueKind.Object && choice.TryGet("function", JsonValueKind.Object, out var function))
            {
                type = "tool";
                toolName = function.GetString("name");
            }
        }

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
    }

    private static string TextOf(JsonElement content, string path)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return "";
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.GetString("type") is "text" && part.GetString("text") is { } partText)
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
}
