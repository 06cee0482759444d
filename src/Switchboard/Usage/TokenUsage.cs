using System.Text.Json;

namespace Switchboard.Usage;

/// <summary>Token counts of one call, from the upstream's <c>usage</c> or estimated.</summary>
internal readonly record struct TokenUsage(int PromptTokens, int CompletionTokens, int CachedTokens, bool Estimated)
{
    /// <summary>Reads a top-level OpenAI <c>usage</c> object from a response or chunk; false when absent or null.</summary>
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
