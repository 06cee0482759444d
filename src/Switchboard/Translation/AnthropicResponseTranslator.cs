using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchboard.Protocols;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation;

/// <summary>Anthropic <c>message</c> → OpenAI <c>chat.completion</c>, non-stream.</summary>
internal static class AnthropicResponseTranslator
{
    /// <param name="created">Unix seconds, from the caller's <see cref="TimeProvider"/>.</param>
    public static byte[] ToOpenAi(ReadOnlySpan<byte> anthropicMessageJson, string requestedModel, long created) =>
        ToOpenAi(anthropicMessageJson, requestedModel, created, out _);

    /// <param name="jsonTool">
    /// The forced tool that carries a JSON <c>response_format</c> answer (<see cref="TranslatedRequest.JsonToolName"/>):
    /// its call becomes the message's text, and the answer a plain stop.
    /// </param>
    public static byte[] ToOpenAi(ReadOnlySpan<byte> anthropicMessageJson, string requestedModel, long created, out TokenUsage usage,
        string? jsonTool = null)
    {
        using var document = JsonInput.Parse(anthropicMessageJson, "The upstream answer");
        var root = document.RootElement;
        var text = new StringBuilder();
        var reasoning = new StringBuilder();
        var toolUses = new List<JsonElement>();
        if (root.TryGet("content", JsonValueKind.Array, out var content))
        {
            foreach (var block in content.EnumerateArray())
            {
                switch (block.ValueKind == JsonValueKind.Object ? block.GetString("type") : null)
                {
                    case "text":
                        text.Append(block.GetString("text"));
                        break;
                    case "thinking":
                        reasoning.Append(block.GetString("thinking"));
                        break;
                    case "tool_use" when jsonTool is not null && block.GetString("name") == jsonTool:
                        text.Append(block.TryGetProperty("input", out var answer) ? JsonInput.Compact(answer) : "{}");
                        break;
                    case "tool_use":
                        toolUses.Add(block);
                        break;
                    default:
                        break;
                }
            }
        }

        usage = ReadUsage(root);
        var buffer = new ArrayBufferWriter<byte>(anthropicMessageJson.Length + 256);
        using var json = new Utf8JsonWriter(buffer, JsonWriting.Options);
        json.WriteStartObject();
        json.WriteString("id"u8, StopReasons.CompletionId(root.GetString("id")));
        json.WriteString("object"u8, "chat.completion"u8);
        json.WriteNumber("created"u8, created);
        json.WriteString("model"u8, requestedModel);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("message"u8);
        json.WriteString("role"u8, "assistant"u8);
        if (text.Length == 0 && toolUses.Count > 0)
        {
            json.WriteNull("content"u8);
        }
        else
        {
            json.WriteString("content"u8, text.ToString());
        }

        if (reasoning.Length > 0)
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
                json.WriteString("name"u8, toolUse.GetString("name"));
                json.WriteString("arguments"u8, toolUse.TryGetProperty("input", out var input) ? JsonInput.Compact(input) : "{}");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        var stopReason = root.GetString("stop_reason");
        json.WriteString("finish_reason"u8, StopReasons.ToOpenAi(stopReason == "tool_use" && toolUses.Count == 0 ? "end_turn" : stopReason));
        json.WriteEndObject();
        json.WriteEndArray();
        WriteUsage(json, usage);
        json.WriteEndObject();
        json.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    internal static TokenUsage ReadUsage(JsonElement message)
    {
        if (!message.TryGet("usage", JsonValueKind.Object, out var usage))
        {
            return new TokenUsage(0, 0, 0, Estimated: true);
        }

        var cached = usage.GetInt("cache_read_input_tokens");
        var input = usage.GetInt("input_tokens") + cached + usage.GetInt("cache_creation_input_tokens");
        return new TokenUsage(input, usage.GetInt("output_tokens"), cached, Estimated: false)
        {
            CacheCreationInputTokens = usage.GetInt("cache_creation_input_tokens"),
        };
    }

    internal static void WriteUsage(Utf8JsonWriter json, TokenUsage usage)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("prompt_tokens"u8, usage.InputTokens);
        json.WriteNumber("completion_tokens"u8, usage.OutputTokens);
        json.WriteNumber("total_tokens"u8, usage.InputTokens + usage.OutputTokens);
        json.WriteStartObject("prompt_tokens_details"u8);
        json.WriteNumber("cached_tokens"u8, usage.CachedInputTokens);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
