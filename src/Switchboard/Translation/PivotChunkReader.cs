using System.Text.Json;
using Switchboard.Protocols;

namespace Switchboard.Translation;

/// <summary>
/// A JSON string value inside a chunk, as a range of the chunk's bytes with its quotes and still escaped, so that a
/// writer can forward it verbatim without decoding or allocating (<see cref="Slice"/>), or decode it when it must.
/// </summary>
internal readonly record struct JsonRange(int Start, int Length)
{
    /// <summary>True for a string of at least one character (an empty string is <c>""</c>, two bytes).</summary>
    public bool HasText => Length > 2;

    /// <summary>The quoted, escaped value.</summary>
    public ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> json) => json.Slice(Start, Length);

    /// <summary>The escaped value without its quotes.</summary>
    public ReadOnlySpan<byte> Body(ReadOnlySpan<byte> json) => json.Slice(Start + 1, Length - 2);

    /// <summary>The decoded value, or null for no value. Throws <see cref="InvalidOperationException"/> on invalid Unicode.</summary>
    public string? Decode(ReadOnlySpan<byte> json)
    {
        if (Length < 2)
        {
            return null;
        }

        var reader = new Utf8JsonReader(Slice(json));
        reader.Read();
        return reader.GetString();
    }
}

/// <summary>
/// One tool-call fragment of a pivot chunk. <see cref="Index"/> is -1 when the upstream sent none (each writer has its own
/// rule for that: the fragment's <see cref="Position"/> in the chunk, or the last call); <c>id</c> and <c>name</c> come
/// normally only with an index's first fragment.
/// </summary>
internal readonly record struct PivotToolFragment(int Index, int Position, string? Id, string? Name, JsonRange Arguments)
{
    /// <summary>
    /// Whether a fragment under a call's index continues that call: unless it brings a new non-empty <c>id</c>, which makes
    /// it a new call (Ollama, SGLang and Dynamo send parallel calls all with <c>index: 0</c>). The one rule of every writer.
    /// </summary>
    public static bool Continues(string? callId, string? fragmentId) =>
        string.IsNullOrEmpty(fragmentId) || callId is null || callId == fragmentId;
}

/// <summary>
/// Reads one pivot <c>chat.completion.chunk</c> for the client stream writers (Anthropic, Responses, Gemini; architecture
/// decision 12) in one pass with <see cref="Utf8JsonReader"/>: the first choice's text, reasoning and tool-call fragments
/// (as ranges of the chunk, <see cref="JsonRange"/>), its finish reason and matched stop sequence, the usage, or the error
/// object some upstreams send in place of a chunk. Allocates only the strings a writer needs whole (tool ids and names,
/// an error's message); one reused instance per stream, not thread-safe.
/// </summary>
internal sealed class PivotChunkReader
{
    private static readonly string[] KnownFinishReasons = ["stop", "length", "tool_calls", "content_filter", "sensitive", "function_call"];

    public JsonRange Content { get; private set; }

    public JsonRange Reasoning { get; private set; }

    /// <summary>The chunk's top-level <c>id</c>.</summary>
    public JsonRange Id { get; private set; }

    public List<PivotToolFragment> Tools { get; } = [];

    /// <summary>The first choice's <c>finish_reason</c> (null when absent or empty); the usual ones are not allocated.</summary>
    public string? FinishReason { get; private set; }

    /// <summary>The stop sequence that matched (vLLM's <c>stop_reason</c>, SGLang's <c>matched_stop</c>); OpenAI sends none.</summary>
    public string? MatchedStop { get; private set; }

    /// <summary>The chunk's <c>usage</c>, when it has one.</summary>
    public TokenUsage? Usage { get; private set; }

    /// <summary><c>completion_tokens_details.reasoning_tokens</c> of the usage.</summary>
    public int ReasoningTokens { get; private set; }

    /// <summary>Set when the chunk is an error object (<c>{"error": …}</c>).</summary>
    public string? ErrorMessage { get; private set; }

    /// <summary>The error's <c>code</c> when it is a string (Z.ai business codes: 1302/1303 too many calls, 1305 overloaded).</summary>
    public string? ErrorCode { get; private set; }

    /// <summary>The Anthropic error type a Z.ai business code stands for (1302/1303 rate limit, 1305 overloaded), else null.</summary>
    public string? AnthropicErrorType => ErrorCode switch
    {
        "1302" or "1303" => Protocols.Anthropic.AnthropicErrors.RateLimit,
        "1305" => Protocols.Anthropic.AnthropicErrors.Overloaded,
        _ => null,
    };

    /// <summary>Reads <paramref name="json"/>; throws <see cref="JsonException"/> on malformed JSON.</summary>
    public void Read(ReadOnlySpan<byte> json)
    {
        Content = Reasoning = Id = default;
        FinishReason = MatchedStop = ErrorMessage = ErrorCode = null;
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
            else if (reader.ValueTextEquals("id"u8))
            {
                Id = RangeOrSkip(ref reader);
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
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    FinishReason = FinishReasonOf(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("stop_reason"u8) || reader.ValueTextEquals("matched_stop"u8))
            {
                MatchedStop = StringOrSkip(ref reader);
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
                Content = RangeOrSkip(ref reader);
            }
            else if (reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8))
            {
                if (RangeOrSkip(ref reader) is { Length: > 0 } reasoning)
                {
                    Reasoning = reasoning;
                }
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
                        Tools.Add(ReadToolFragment(ref reader, Tools.Count));
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

    private static PivotToolFragment ReadToolFragment(ref Utf8JsonReader reader, int position)
    {
        var index = -1;
        string? id = null, name = null;
        JsonRange arguments = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var i))
                {
                    index = i;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                id = StringOrSkip(ref reader);
            }
            else if (reader.ValueTextEquals("function"u8))
            {
                if (!JsonSkim.EnterObject(ref reader))
                {
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
                        arguments = RangeOrSkip(ref reader);
                    }
                    else
                    {
                        JsonSkim.SkipValue(ref reader);
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new PivotToolFragment(index, position, id, name, arguments);
    }

    /// <summary>
    /// <c>prompt_tokens</c>, <c>completion_tokens</c>, and the cached and reasoning counts, found in their
    /// <c>*_details</c> objects or (as some OpenAI-compatible servers send them) directly in the usage.
    /// </summary>
    private void ReadUsage(ref Utf8JsonReader reader)
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

            var top = reader.CurrentDepth == depth + 1;
            if (top && reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = JsonSkim.ReadCount(ref reader, ref trusted);
            }
            else if (top && reader.ValueTextEquals("completion_tokens"u8))
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
            else if (!(reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("completion_tokens_details"u8)))
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Counts no counter gives are no usage: the writers then bill and report their estimate.
        Usage = trusted && cached <= prompt ? new TokenUsage(prompt, completion, cached, Estimated: false) : null;
        ReasoningTokens = trusted ? reasoning : 0;
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
                ErrorCode = StringOrSkip(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static JsonRange RangeOrSkip(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return new JsonRange((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);
        }

        reader.Skip();
        return default;
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

    private static string FinishReasonOf(ref Utf8JsonReader reader)
    {
        foreach (var known in KnownFinishReasons)
        {
            if (reader.ValueTextEquals(known))
            {
                return known;
            }
        }

        return reader.GetString()!;
    }
}
