using System.Text.Json;
using Switchboard.Protocols;

namespace Switchboard.Translation.Responses;

/// <summary>One tool-call fragment of a pivot chunk: <c>id</c> and <c>name</c> normally only on an index's first fragment.</summary>
internal readonly record struct PivotToolDelta(int Index, string? Id, string? Name, string? Arguments);

/// <summary>
/// What one pivot <c>chat.completion.chunk</c> carries for a client stream writer, read in one pass with
/// <see cref="Utf8JsonReader"/>: the first choice's text, reasoning and tool-call fragments, its finish reason, the usage,
/// or an error object some upstreams send in place of a chunk.
/// </summary>
internal sealed class PivotChunk
{
    public string? Content { get; private set; }

    public string? Reasoning { get; private set; }

    public List<PivotToolDelta> Tools { get; } = [];

    public string? FinishReason { get; private set; }

    public TokenUsage? Usage { get; private set; }

    public int ReasoningTokens { get; private set; }

    public string? ErrorMessage { get; private set; }

    public string? ErrorCode { get; private set; }

    /// <summary>Reads <paramref name="json"/> into this (reused) instance; throws <see cref="JsonException"/> on malformed JSON.</summary>
    public void Read(ReadOnlySpan<byte> json)
    {
        Content = Reasoning = FinishReason = ErrorMessage = ErrorCode = null;
        Usage = null;
        ReasoningTokens = 0;
        Tools.Clear();
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A chunk must be an object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                var first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (first && reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadChoice(ref reader);
                        first = false;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadUsage(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                ReadError(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadChoice(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadDelta(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                FinishReason = reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0 ? reader.GetString() : FinishReason;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadDelta(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                Content = StringOrSkip(ref reader);
            }
            else if (reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8))
            {
                Reasoning = StringOrSkip(ref reader) ?? Reasoning;
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        Tools.Add(ReadToolDelta(ref reader, Tools.Count));
                    }
                    else
                    {
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
    }

    private static PivotToolDelta ReadToolDelta(ref Utf8JsonReader reader, int position)
    {
        int? index = null;
        string? id = null, name = null, arguments = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var i) ? i : index;
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                id = StringOrSkip(ref reader);
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
                        name = StringOrSkip(ref reader);
                    }
                    else if (reader.ValueTextEquals("arguments"u8))
                    {
                        arguments = StringOrSkip(ref reader);
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

        // A server that leaves out the index sends whole calls, one per array position.
        return new PivotToolDelta(index ?? position, id, name, arguments);
    }

    private void ReadUsage(ref Utf8JsonReader reader)
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
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("completion_tokens_details"u8))
            {
                var prompts = reader.ValueTextEquals("prompt_tokens_details"u8);
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (prompts && reader.ValueTextEquals("cached_tokens"u8))
                    {
                        cached = ReadInt(ref reader);
                    }
                    else if (!prompts && reader.ValueTextEquals("reasoning_tokens"u8))
                    {
                        ReasoningTokens = ReadInt(ref reader);
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

        Usage = new TokenUsage(prompt, completion, cached, Estimated: false);
    }

    private void ReadError(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            ErrorMessage = reader.GetString();
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        ErrorMessage = "The upstream failed during the answer.";
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("message"u8))
            {
                ErrorMessage = StringOrSkip(ref reader) ?? ErrorMessage;
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                // Z.ai business codes: 1302/1303 too many calls, 1305 overloaded.
                ErrorCode = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static string? StringOrSkip(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    private static int ReadInt(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : 0;
    }
}
