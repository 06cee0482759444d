using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchboard.Protocols;
using Switchboard.Protocols.Anthropic;
using Switchboard.Usage;

namespace Switchboard.Translation;

/// <summary>OpenAI <c>chat.completion</c> → Anthropic <c>message</c>, non-stream.</summary>
internal static class OpenAiResponseTranslator
{
    public static byte[] ToAnthropic(ReadOnlySpan<byte> openAiChatCompletionJson, string requestedModel, ToolNameMap names, int? estimatedInputTokens) =>
        ToAnthropic(openAiChatCompletionJson, requestedModel, names, estimatedInputTokens, out _);

    public static byte[] ToAnthropic(
        ReadOnlySpan<byte> openAiChatCompletionJson, string requestedModel, ToolNameMap names, int? estimatedInputTokens, out TokenUsage usage)
    {
        using var document = JsonInput.Parse(openAiChatCompletionJson, "The upstream answer");
        var root = document.RootElement;
        var message = default(JsonElement);
        string? finishReason = null;
        string? matchedStop = null;
        if (root.TryGet("choices", JsonValueKind.Array, out var choices) && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            choice.TryGet("message", JsonValueKind.Object, out message);
            finishReason = choice.GetString("finish_reason");
            matchedStop = choice.GetString("stop_reason") ?? choice.GetString("matched_stop");
        }

        var buffer = new ArrayBufferWriter<byte>(openAiChatCompletionJson.Length + 256);
        var generated = new StringBuilder();
        var toolCount = 0;
        var refused = false;
        using var json = new Utf8JsonWriter(buffer, JsonWriting.Options);
        json.WriteStartObject();
        json.WriteString("id"u8, StopReasons.MessageId(root.GetString("id")));
        json.WriteString("type"u8, "message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("model"u8, requestedModel);
        json.WriteStartArray("content"u8);
        if (message.ValueKind == JsonValueKind.Object)
        {
            if (message.GetString("reasoning_content") is { Length: > 0 } reasoning)
            {
                generated.Append(reasoning);
                json.WriteStartObject();
                json.WriteString("type"u8, "thinking"u8);
                json.WriteString("thinking"u8, reasoning);
                json.WriteString("signature"u8, StopReasons.ThinkingSignature);
                json.WriteEndObject();
            }

            // OpenAI's refusal, when it is the answer's only words, is its text (stop_reason "refusal").
            refused = PivotMessages.IsRefusal(message);
            if (PivotMessages.ContentText(message) is { Length: > 0 } text)
            {
                generated.Append(text);
                json.WriteStartObject();
                json.WriteString("type"u8, "text"u8);
                json.WriteString("text"u8, text);
                json.WriteEndObject();
            }

            if (message.TryGet("tool_calls", JsonValueKind.Array, out var toolCalls))
            {
                foreach (var call in toolCalls.EnumerateArray())
                {
                    if (!call.TryGet("function", JsonValueKind.Object, out var function) || function.GetString("name") is not { } name)
                    {
                        continue;
                    }

                    var arguments = function.GetString("arguments");
                    generated.Append(name).Append(arguments);
                    json.WriteStartObject();
                    json.WriteString("type"u8, "tool_use"u8);
                    json.WriteString("id"u8, call.GetString("id") is { Length: > 0 } id ? id : $"toolu_{toolCount}_{Guid.NewGuid():N}");
                    json.WriteString("name"u8, names.Restore(name));
                    json.WritePropertyName("input"u8);
                    ToolArguments.WriteInput(json, arguments);
                    json.WriteEndObject();
                    toolCount++;
                }
            }
        }

        json.WriteEndArray();
        var stopReason = refused ? "refusal" : StopReasons.ToAnthropic(finishReason);
        if (toolCount > 0 && stopReason == "end_turn")
        {
            stopReason = "tool_use";
        }
        else if (toolCount == 0 && stopReason == "tool_use")
        {
            // Every call was left out (no function name): a client told tool_use would wait for calls that are not there.
            stopReason = "end_turn";
        }

        if (stopReason == "end_turn" && finishReason == "stop" && !string.IsNullOrEmpty(matchedStop))
        {
            json.WriteString("stop_reason"u8, "stop_sequence"u8);
            json.WriteString("stop_sequence"u8, matchedStop);
        }
        else
        {
            json.WriteString("stop_reason"u8, stopReason);
            json.WriteNull("stop_sequence"u8);
        }

        usage = ReadUsage(root, estimatedInputTokens, generated);
        WriteUsage(json, usage);
        json.WriteEndObject();
        json.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    internal static void WriteUsage(Utf8JsonWriter json, TokenUsage usage, double? cost = null)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("input_tokens"u8, usage.AnthropicInputTokens);
        json.WriteNumber("output_tokens"u8, usage.OutputTokens);
        json.WriteNumber("cache_creation_input_tokens"u8, 0);
        json.WriteNumber("cache_read_input_tokens"u8, usage.CachedInputTokens);
        if (cost is { } value)
        {
            // Ours: the call's price in USD, so a client sees what each turn cost (LiteLLM's streams carry none).
            json.WriteNumber("cost"u8, Math.Round(value, 10));
        }

        json.WriteEndObject();
    }

    private static TokenUsage ReadUsage(JsonElement root, int? estimatedInputTokens, StringBuilder generated)
    {
        if (root.TryGet("usage", JsonValueKind.Object, out var usage))
        {
            var cached = usage.TryGet("prompt_tokens_details", JsonValueKind.Object, out var details) ? details.GetInt("cached_tokens") : 0;
            return new TokenUsage(usage.GetInt("prompt_tokens"), usage.GetInt("completion_tokens"), cached, Estimated: false);
        }

        return new TokenUsage(estimatedInputTokens ?? 0, TokenCounter.CountText(generated.ToString()), 0, Estimated: true);
    }
}
