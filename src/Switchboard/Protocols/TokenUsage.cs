using System.Text.Json;

namespace Switchboard.Protocols;

/// <summary>
/// Token usage of one answer, whatever its protocol. <see cref="InputTokens"/> counts the whole prompt as OpenAI's
/// <c>prompt_tokens</c> does, cached tokens included; <see cref="CachedInputTokens"/> is the part read from the cache,
/// <see cref="CacheCreationInputTokens"/> the part written to it (Anthropic's <c>cache_creation_input_tokens</c>).
/// </summary>
internal readonly record struct TokenUsage(int InputTokens, int OutputTokens, int CachedInputTokens, bool Estimated)
{
    /// <summary>
    /// The largest count believed from an upstream for one call (no model reads or writes more); a larger, negative or
    /// non-integer count means a broken counter, and the answer is billed by the estimate instead.
    /// </summary>
    public const int MaxCount = 100_000_000;

    /// <summary>Prompt tokens written to the provider's cache (priced apart); part of <see cref="InputTokens"/>.</summary>
    public int CacheCreationInputTokens { get; init; }

    /// <summary>Anthropic's <c>input_tokens</c> excludes what <c>cache_read_input_tokens</c> and <c>cache_creation_input_tokens</c> report.</summary>
    public int AnthropicInputTokens => Math.Max(0, InputTokens - CachedInputTokens - CacheCreationInputTokens);

    /// <summary>
    /// Reads a top-level <c>usage</c> object (OpenAI names, or Anthropic's input/output names) from a response or chunk;
    /// false when absent or null. Anthropic's cache reads and writes are added to its <c>input_tokens</c> (which excludes them).
    /// </summary>
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

            return TryReadUsageMember(ref reader, out usage);
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>Reads <c>message.usage</c> of an Anthropic <c>message_start</c> event (the input half of a stream's usage).</summary>
    public static bool TryReadAnthropicMessageStart(ReadOnlySpan<byte> json, out TokenUsage usage)
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
                var isMessage = reader.ValueTextEquals("message"u8);
                reader.Read();
                if (isMessage && reader.TokenType == JsonTokenType.StartObject)
                {
                    return TryReadUsageMember(ref reader, out usage);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>With the reader on an object's start: finds its <c>usage</c> member and reads it.</summary>
    private static bool TryReadUsageMember(ref Utf8JsonReader reader, out TokenUsage usage)
    {
        usage = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUsage = reader.ValueTextEquals("usage"u8);
            reader.Read();
            if (!isUsage || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            int prompt = 0, completion = 0, cached = 0, anthropicRead = 0, anthropicCreation = 0;
            var trusted = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
                {
                    reader.Read();
                    prompt = ReadCount(ref reader, ref trusted);
                }
                else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
                {
                    reader.Read();
                    anthropicRead = ReadCount(ref reader, ref trusted);
                }
                else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
                {
                    reader.Read();
                    anthropicCreation = ReadCount(ref reader, ref trusted);
                }
                else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
                {
                    reader.Read();
                    completion = ReadCount(ref reader, ref trusted);
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
                                cached = ReadCount(ref reader, ref trusted);
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

            if (!trusted || cached > prompt)
            {
                return false;
            }

            usage = anthropicRead + anthropicCreation > 0
                ? new TokenUsage(prompt + anthropicRead + anthropicCreation, completion, anthropicRead, false) { CacheCreationInputTokens = anthropicCreation }
                : new TokenUsage(prompt, completion, cached, false);
            return true;
        }

        return false;
    }

    /// <summary>
    /// With the reader on a count's value: the count, 0 for null; anything no token counter gives (negative, fractional,
    /// over <see cref="MaxCount"/>, another JSON type) clears <paramref name="trusted"/> and reads as 0 (the value skipped).
    /// </summary>
    public static int ReadCount(ref Utf8JsonReader reader, ref bool trusted)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value is >= 0 and <= MaxCount)
        {
            return (int)value;
        }

        if (reader.TokenType != JsonTokenType.Null)
        {
            trusted = false;
            reader.Skip();
        }

        return 0;
    }
}
