using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchboard.Protocols;
using Switchboard.Protocols.Anthropic;
using Switchboard.Usage;

namespace Switchboard.Translation.Gemini;

/// <summary>The pivot's <c>chat.completion</c> → Gemini's <c>GenerateContentResponse</c>, non-stream.</summary>
internal static class GeminiAnswerTranslator
{
    public static byte[] FromPivot(ReadOnlySpan<byte> chatCompletionJson, GeminiPivotRequest request, int estimatedInputTokens, out TokenUsage usage)
    {
        using var document = JsonInput.Parse(chatCompletionJson, "The upstream answer");
        var root = document.RootElement;
        var message = default(JsonElement);
        string? finishReason = null;
        if (root.TryGet("choices", JsonValueKind.Array, out var choices) && choices.GetArrayLength() > 0)
        {
            choices[0].TryGet("message", JsonValueKind.Object, out message);
            finishReason = choices[0].GetString("finish_reason");
        }

        var generated = new StringBuilder();
        var buffer = new ArrayBufferWriter<byte>(chatCompletionJson.Length + 256);
        using var json = new Utf8JsonWriter(buffer, JsonWriting.Options);
        json.WriteStartObject();
        json.WriteStartArray("candidates"u8);
        json.WriteStartObject();
        json.WriteStartObject("content"u8);
        json.WriteStartArray("parts"u8);
        if (message.ValueKind == JsonValueKind.Object)
        {
            var reasoning = message.GetString("reasoning_content") ?? message.GetString("reasoning");
            if (!string.IsNullOrEmpty(reasoning))
            {
                generated.Append(reasoning);
                if (request.IncludeThoughts)
                {
                    json.WriteStartObject();
                    json.WriteString("text"u8, reasoning);
                    json.WriteBoolean("thought"u8, true);
                    json.WriteEndObject();
                }
            }

            if (PivotMessages.ContentText(message) is { Length: > 0 } text)
            {
                generated.Append(text);
                json.WriteStartObject();
                json.WriteString("text"u8, text);
                json.WriteEndObject();
            }

            if (message.TryGet("tool_calls", JsonValueKind.Array, out var calls))
            {
                foreach (var call in calls.EnumerateArray())
                {
                    if (!call.TryGet("function", JsonValueKind.Object, out var function) || function.GetString("name") is not { } name)
                    {
                        continue;
                    }

                    var arguments = function.GetString("arguments");
                    generated.Append(name).Append(arguments);
                    WriteFunctionCall(json, call.GetString("id"), request.ToolNames.Restore(name), arguments);
                }
            }
        }

        json.WriteEndArray();
        json.WriteString("role"u8, "model"u8);
        json.WriteEndObject();
        json.WriteString("finishReason"u8, GeminiFinishReasons.FromPivot(finishReason));
        json.WriteNumber("index"u8, 0);
        json.WriteEndObject();
        json.WriteEndArray();

        var read = ReadUsage(chatCompletionJson);
        var geminiUsage = read ?? new GeminiUsage(new TokenUsage(estimatedInputTokens, TokenCounter.CountText(generated.ToString()), 0, Estimated: true), 0);
        geminiUsage.Write(json);
        json.WriteString("modelVersion"u8, request.RequestedModel);
        if (root.GetString("id") is { Length: > 0 } id)
        {
            json.WriteString("responseId"u8, id);
        }

        json.WriteEndObject();
        json.Flush();
        usage = geminiUsage.Tokens;
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One <c>functionCall</c> part; <paramref name="arguments"/> is the pivot's JSON text (empty, cut or doubly encoded ones are mended).</summary>
    public static void WriteFunctionCall(Utf8JsonWriter json, string? id, string name, string? arguments)
    {
        json.WriteStartObject();
        json.WriteStartObject("functionCall"u8);
        if (!string.IsNullOrEmpty(id))
        {
            // Optional in Gemini's FunctionCall; a client that sends it back lets the next request keep the upstream's id.
            json.WriteString("id"u8, id);
        }

        json.WriteString("name"u8, name);
        json.WritePropertyName("args"u8);
        ToolArguments.WriteInput(json, arguments);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static GeminiUsage? ReadUsage(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUsage = reader.ValueTextEquals("usage"u8);
            reader.Read();
            if (isUsage && reader.TokenType == JsonTokenType.StartObject)
            {
                return GeminiUsage.Read(ref reader);
            }

            reader.Skip();
        }

        return null;
    }
}
