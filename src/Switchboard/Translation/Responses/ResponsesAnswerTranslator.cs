using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchboard.Protocols;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation.Responses;

/// <summary>The pivot's <c>chat.completion</c> → a Responses API <c>response</c> object, non-stream (architecture decision 12).</summary>
internal static class ResponsesAnswerTranslator
{
    public static byte[] ToResponse(ReadOnlySpan<byte> chatCompletionJson, ResponsesRequest request, string responseId, long createdAt,
        int estimatedInputTokens, out ResponseOutput output)
    {
        using var document = JsonInput.Parse(chatCompletionJson, "The upstream answer");
        var root = document.RootElement;
        output = new ResponseOutput(responseId, createdAt, request.RequestedModel, request.Echo);
        var message = default(JsonElement);
        string? finishReason = null;
        if (root.TryGet("choices", JsonValueKind.Array, out var choices) && choices.GetArrayLength() > 0)
        {
            choices[0].TryGet("message", JsonValueKind.Object, out message);
            finishReason = choices[0].GetString("finish_reason");
        }

        if (message.ValueKind == JsonValueKind.Object)
        {
            if ((message.GetString("reasoning_content") ?? message.GetString("reasoning")) is { Length: > 0 } reasoning)
            {
                output.Add(ResponseItemKind.Reasoning).Text.Append(reasoning);
            }

            if (PivotMessages.ContentText(message) is { Length: > 0 } text)
            {
                output.Add(ResponseItemKind.Message).Text.Append(text);
            }

            if (message.TryGet("tool_calls", JsonValueKind.Array, out var toolCalls))
            {
                foreach (var call in toolCalls.EnumerateArray())
                {
                    if (!call.TryGet("function", JsonValueKind.Object, out var function) || function.GetString("name") is not { } name)
                    {
                        continue;
                    }

                    var custom = request.ToolNames.IsCustom(name);
                    var item = output.Add(custom ? ResponseItemKind.CustomToolCall : ResponseItemKind.FunctionCall);
                    (item.Namespace, item.Name) = request.ToolNames.Restore(name);
                    item.CallId = call.GetString("id") is { Length: > 0 } id ? id : output.CallIdFor(output.Items.Count - 1);
                    var arguments = function.GetString("arguments") ?? "";
                    item.Text.Append(custom ? CustomToolInput.FromArguments(arguments) : arguments);
                }
            }
        }

        output.Finish(finishReason);
        if (root.TryGet("usage", JsonValueKind.Object, out var usage))
        {
            var cached = usage.TryGet("prompt_tokens_details", JsonValueKind.Object, out var details) ? details.GetInt("cached_tokens") : 0;
            output.Usage = new TokenUsage(usage.GetInt("prompt_tokens"), usage.GetInt("completion_tokens"), cached, Estimated: false);
            output.ReasoningTokens = usage.TryGet("completion_tokens_details", JsonValueKind.Object, out var completion)
                ? completion.GetInt("reasoning_tokens")
                : 0;
        }
        else
        {
            output.Usage = new TokenUsage(estimatedInputTokens, output.EstimateOutputTokens(), 0, Estimated: true);
        }

        var buffer = new ArrayBufferWriter<byte>(chatCompletionJson.Length + 512);
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            output.WriteResponse(json);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
