using System.Text.Json;

namespace Switchboard.Protocols;

/// <summary>
/// Token usage of one answer, whatever its protocol. <see cref="InputTokens"/> counts the whole prompt as OpenAI's
/// <c>prompt_tokens</c> does, cached tokens included; <see cref="CachedInputTokens"/> is the cached part.
/// </summary>
internal readonly record struct TokenUsage(int InputTokens, int OutputTokens, int CachedInputTokens, bool Estimated)
{
    /// <summary>Anthropic's <c>input_tokens</c> excludes what <c>cache_read_input_tokens</c> reports.</summary>
    public int AnthropicInputTokens => Math.Max(0, InputTokens - CachedInputTokens);

    /// <summary>Reads a top-level <c>usage</c> object (OpenAI names, or Anthropic's input/output names) from a response or chunk; false when absent or null.</summary>
    public static bool TryReadOpenAi(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isUsage = reader.ValueTextEquals("usage"u8);
                reader.Read();
                if (!isUsage || reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                int prompt = 0, completion = 0, cached = 0;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
                    {
                        reader.Read();
                        prompt = ReadInt(ref reader);
                    }
                    else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
                    {
                        reader.Read();
                        completion = ReadInt(ref reader);
                    }
                    else if (reader.ValueTextEquals("prompt_tokens_details"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.StartObject)
                        {
                            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                            {
                                var isCached = reader.ValueTextEquals("cached_tokens"u8);
                                reader.Read();
                                if (isCached)
                                {
                                    cached = ReadInt(ref reader);
                                }
                                else
                                {
                                    reader.Skip();
                                }
                            }
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }

                usage = new TokenUsage(prompt, completion, cached, false);
                return true;
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    private static int ReadInt(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : 0;
}
