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
        var reasoning = Math.Clamp(ReasoningTokens, 0, Math.Max(Tokens.OutputTokens, 0));
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

    /// <summary>With the reader on a pivot <c>usage</c> object's start: reads it to its end; null when its counts are
    /// none a counter gives (the caller's estimate is billed instead).</summary>
    public static GeminiUsage? Read(ref Utf8JsonReader reader)
    {
        int prompt = 0, completion = 0, cached = 0, reasoning = 0;
        var trusted = true;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = JsonSkim.ReadCount(ref reader, ref trusted);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = JsonSkim.ReadCount(ref reader, ref trusted);
            }
            else if (reader.ValueTextEquals("cached_tokens"u8))
            {
                cached = JsonSkim.ReadCount(ref reader, ref trusted);
            }
            else if (reader.ValueTextEquals("reasoning_tokens"u8))
            {
                reasoning = JsonSkim.ReadCount(ref reader, ref trusted);
            }
        }

        return trusted && cached <= prompt ? new GeminiUsage(new TokenUsage(prompt, completion, cached, Estimated: false), reasoning) : null;
    }
}
