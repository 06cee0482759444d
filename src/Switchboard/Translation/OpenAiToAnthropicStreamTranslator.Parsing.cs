using System.Text.Json;
using Switchboard.Protocols;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation;

internal sealed partial class OpenAiToAnthropicStreamTranslator
{
    private readonly List<ToolDelta> _toolDeltas = [];

    /// <summary>
    /// One pass over the chunk with <see cref="Utf8JsonReader"/>: string values are kept as ranges of the input (quotes
    /// included, still escaped) so they can be forwarded verbatim, without decoding or allocating.
    /// </summary>
    private Chunk ParseChunk(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        var chunk = default(Chunk);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A chunk must be an object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    var first = true;
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        if (first)
                        {
                            ReadChoice(ref reader, ref chunk);
                            first = false;
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
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    chunk.Usage = ReadUsage(ref reader);
                    chunk.HasUsage = true;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                ReadError(ref reader, ref chunk);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return chunk;
    }

    private void ReadChoice(ref Utf8JsonReader reader, ref Chunk chunk)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadDelta(ref reader, ref chunk);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    chunk.FinishReason = FinishReasonOf(ref reader);
                }
            }
            else if (reader.ValueTextEquals("stop_reason"u8) || reader.ValueTextEquals("matched_stop"u8))
            {
                // vLLM and SGLang name the stop sequence that matched; OpenAI itself does not.
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    chunk.MatchedStop = reader.GetString();
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
    }

    private void ReadDelta(ref Utf8JsonReader reader, ref Chunk chunk)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    chunk.Content = RangeOf(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    chunk.Reasoning = RangeOf(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        _toolDeltas.Add(ReadToolDelta(ref reader));
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
    }

    private static ToolDelta ReadToolDelta(ref Utf8JsonReader reader)
    {
        var delta = new ToolDelta { Index = -1 };
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var index))
                {
                    delta.Index = index;
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                delta.Id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("function"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("name"u8))
                    {
                        reader.Read();
                        delta.Name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    }
                    else if (reader.ValueTextEquals("arguments"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            delta.Arguments = RangeOf(ref reader);
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return delta;
    }

    private static TokenUsage ReadUsage(ref Utf8JsonReader reader)
    {
        int prompt = 0, completion = 0, cached = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = ReadInt(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = ReadInt(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("cached_tokens"u8))
                    {
                        cached = ReadInt(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new TokenUsage(prompt, completion, cached, Estimated: false);
    }

    private static void ReadError(ref Utf8JsonReader reader, ref Chunk chunk)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            chunk.ErrorMessage = reader.GetString();
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        chunk.ErrorMessage = "The upstream failed during the answer.";
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    chunk.ErrorMessage = reader.GetString();
                }
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                // Z.ai business codes: 1302/1303 too many calls, 1305 overloaded.
                var code = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                chunk.ErrorType = code switch
                {
                    "1302" or "1303" => AnthropicErrors.RateLimit,
                    "1305" => AnthropicErrors.Overloaded,
                    _ => chunk.ErrorType,
                };
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static int ReadInt(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : 0;
    }

    private static ValueRange RangeOf(ref Utf8JsonReader reader) =>
        new((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);

    private static string FinishReasonOf(ref Utf8JsonReader reader)
    {
        foreach (var known in (ReadOnlySpan<string>)["stop", "length", "tool_calls", "content_filter", "sensitive", "function_call"])
        {
            if (reader.ValueTextEquals(known))
            {
                return known;
            }
        }

        return reader.GetString()!;
    }

    private readonly record struct ValueRange(int Start, int Length);

    private struct Chunk
    {
        public ValueRange Content;
        public ValueRange Reasoning;
        public string? FinishReason;
        public string? MatchedStop;
        public bool HasUsage;
        public TokenUsage Usage;
        public string? ErrorMessage;
        public string? ErrorType;
    }

    private struct ToolDelta
    {
        public int Index;
        public string? Id;
        public string? Name;
        public ValueRange Arguments;
    }
}
