using System.Text.Json;
using Switchboard.Protocols;

namespace Switchboard.Translation.Gemini;

/// <summary>
/// The pivot's usage as Gemini's <c>usageMetadata</c>. Gemini counts thoughts apart: <c>candidatesTokenCount</c> leaves
/// them out and <c>thoughtsTokenCount</c> holds them, while the pivot's <c>completion_tokens</c> includes its
/// <c>reasoning_tokens</c>; <c>totalTokenCount</c> is the sum of all.
/// </summary>
internal readonly record struct GeminiUsage(TokenUsage Tokens, int ReasoningTokens)
{
    public void Write(Utf8JsonWriter json)
    {
        var reasoning = Math.Clamp(ReasoningTokens, 0, Tokens.OutputTokens);
        json.WriteStartObject("usageMetadata"u8);
        json.WriteNumber("promptTokenCount"u8, Tokens.InputTokens);
        json.WriteNumber("candidatesTokenCount"u8, Tokens.OutputTokens - reasoning);
        json.WriteNumber("totalTokenCount"u8, (long)Tokens.InputTokens + Tokens.OutputTokens);
        if (Tokens.CachedInputTokens > 0)
        {
            json.WriteNumber("cachedContentTokenCount"u8, Tokens.CachedInputTokens);
        }

        if (reasoning > 0)
        {
            json.WriteNumber("thoughtsTokenCount"u8, reasoning);
        }

        json.WriteEndObject();
    }

    /// <summary>With the reader on a pivot <c>usage</c> object's start: reads it to its end.</summary>
    public static GeminiUsage Read(ref Utf8JsonReader reader)
    {
        int prompt = 0, completion = 0, cached = 0, reasoning = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = JsonSkim.ReadInt(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = JsonSkim.ReadInt(ref reader);
            }
            else if (reader.ValueTextEquals("cached_tokens"u8))
            {
                cached = JsonSkim.ReadInt(ref reader);
            }
            else if (reader.ValueTextEquals("reasoning_tokens"u8))
            {
                reasoning = JsonSkim.ReadInt(ref reader);
            }
        }

        return new GeminiUsage(new TokenUsage(prompt, completion, cached, Estimated: false), reasoning);
    }
}
