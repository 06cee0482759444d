using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Switchboard.Protocols;

namespace Switchboard.Api;

/// <summary>
/// The few top-level fields routing needs, read with <see cref="Utf8JsonReader"/> without building a DOM
/// (architecture decision 3). Records where the <c>model</c> value sits so it can be swapped in place. The same single pass
/// checks what every later reader of the body relies on (valid UTF-8, no lone surrogate escape, at most
/// <see cref="MaxDepth"/> levels), the types of a few top-level fields and the shape of <c>messages</c>, so that hostile
/// input is a 400 here rather than an exception deeper down or a call upstream (docs/hostile-input.md).
/// </summary>
internal readonly record struct RoutingFields(
    string? Model,
    bool ModelIsString,
    bool HasModel,
    int ModelStart,
    int ModelLength,
    bool Stream,
    bool HasStreamOptions,
    bool IncludeUsage,
    string? User,
    MessagesShape Messages = MessagesShape.Absent,
    int MessageIndex = 0,
    string? WrongTypeField = null,
    string? WrongTypeExpected = null)
{
    /// <summary>
    /// The deepest nesting accepted: System.Text.Json's own default, which the translators' and token counter's
    /// <see cref="JsonDocument"/> parses use, so nothing this skim accepts fails on depth later.
    /// </summary>
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, MaxDepth = MaxDepth };

    /// <summary>
    /// Parses the body; throws <see cref="JsonException"/> for malformed JSON, a non-object root, invalid UTF-8, a lone
    /// surrogate escape or nesting deeper than <see cref="MaxDepth"/>. Field types and the messages' shape are reported,
    /// not thrown: which of them matter depends on the endpoint (<see cref="RequestChecks"/>).
    /// </summary>
    public static RoutingFields Parse(ReadOnlySpan<byte> body)
    {
        // Utf8JsonReader does not validate string contents; GetString would throw InvalidOperationException later, in
        // whichever reader (translator, token counter) first decodes the bad string. One vectorized pass up front.
        if (!Utf8.IsValid(body))
        {
            throw new JsonException("The request body is not valid UTF-8.");
        }

        if (JsonUnicode.FindLoneSurrogateEscape(body) is var at and >= 0)
        {
            throw new JsonException($"The request body has a lone surrogate escape (\\u{Encoding.ASCII.GetString(body.Slice(at + 2, 4))}) at byte {at}; JSON text must be valid Unicode.");
        }

        var reader = new Utf8JsonReader(body, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The request body must be a JSON object.");
        }

        string? model = null;
        bool hasModel = false, modelIsString = false, stream = false, hasStreamOptions = false, includeUsage = false;
        int modelStart = 0, modelLength = 0, messageIndex = 0;
        var messages = MessagesShape.Absent;
        string? user = null, wrongField = null, wrongExpected = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                // Anything after the root object is malformed; the reader reports it on the next Read.
                while (reader.Read())
                {
                }

                break;
            }

            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                hasModel = true;
                if (reader.TokenType == JsonTokenType.String)
                {
                    modelIsString = true;
                    model = reader.GetString();
                    modelStart = (int)reader.TokenStartIndex;
                    modelLength = reader.ValueSpan.Length + 2;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("messages"u8))
            {
                reader.Read();
                messages = SkimMessages(ref reader, out messageIndex);
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.Read();
                stream = reader.TokenType == JsonTokenType.True;
                Expect(ref reader, reader.TokenType is JsonTokenType.True or JsonTokenType.False, "stream", "a boolean", ref wrongField, ref wrongExpected);
            }
            else if (reader.ValueTextEquals("user"u8))
            {
                reader.Read();
                user = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                hasStreamOptions = true;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    var depth = reader.CurrentDepth;
                    while (reader.Read() && reader.CurrentDepth > depth)
                    {
                        if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("include_usage"u8))
                        {
                            reader.Read();
                            includeUsage = reader.TokenType == JsonTokenType.True;
                        }
                        else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        {
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    Expect(ref reader, false, "stream_options", "an object", ref wrongField, ref wrongExpected);
                }
            }
            else if (reader.ValueTextEquals("tools"u8))
            {
                reader.Read();
                Expect(ref reader, reader.TokenType == JsonTokenType.StartArray, "tools", "an array", ref wrongField, ref wrongExpected);
            }
            else if (reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("temperature"u8) || reader.ValueTextEquals("top_p"u8))
            {
                var name = reader.ValueTextEquals("max_tokens"u8) ? "max_tokens" : reader.ValueTextEquals("temperature"u8) ? "temperature" : "top_p";
                reader.Read();
                Expect(ref reader, reader.TokenType == JsonTokenType.Number, name, "a number", ref wrongField, ref wrongExpected);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new RoutingFields(model, modelIsString, hasModel, modelStart, modelLength, stream, hasStreamOptions, includeUsage, user,
            messages, messageIndex, wrongField, wrongExpected);
    }

    /// <summary>Records the first top-level field of the wrong type (null always passes: clients send it for "unset").</summary>
    private static void Expect(ref Utf8JsonReader reader, bool ok, string field, string expected, ref string? wrongField, ref string? wrongExpected)
    {
        if (!ok && reader.TokenType != JsonTokenType.Null && wrongField is null)
        {
            wrongField = field;
            wrongExpected = expected;
        }

        reader.Skip();
    }

    /// <summary>Reads the <c>messages</c> value (the reader on its first token) to its end; the first problem wins.</summary>
    private static MessagesShape SkimMessages(ref Utf8JsonReader reader, out int index)
    {
        index = 0;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return MessagesShape.NotArray;
        }

        var shape = MessagesShape.Valid;
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var found = reader.TokenType == JsonTokenType.StartObject ? SkimMessage(ref reader) : MessagesShape.NotObject;
            reader.Skip();
            if (shape == MessagesShape.Valid && found != MessagesShape.Valid)
            {
                shape = found;
                index = count;
            }

            count++;
        }

        return count == 0 ? MessagesShape.Empty : shape;
    }

    /// <summary>One message object (the reader on its StartObject, left on its EndObject).</summary>
    private static MessagesShape SkimMessage(ref Utf8JsonReader reader)
    {
        var shape = MessagesShape.RoleMissing;
        var contentOk = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("role"u8))
            {
                reader.Read();
                shape = reader.TokenType != JsonTokenType.String ? MessagesShape.RoleNotString
                    : reader.ValueTextEquals("user"u8) || reader.ValueTextEquals("assistant"u8) || reader.ValueTextEquals("system"u8)
                      || reader.ValueTextEquals("tool"u8) || reader.ValueTextEquals("developer"u8) || reader.ValueTextEquals("function"u8)
                        ? MessagesShape.Valid
                        : MessagesShape.RoleUnknown;
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                contentOk = reader.TokenType is JsonTokenType.String or JsonTokenType.StartArray or JsonTokenType.Null;
            }
            else
            {
                reader.Read();
            }

            reader.Skip();
        }

        return shape == MessagesShape.Valid && !contentOk ? MessagesShape.ContentWrongType : shape;
    }

    /// <summary>
    /// The body for one upstream: the model value replaced by <paramref name="upstreamModel"/> and, for streams
    /// whose client did not ask for usage, <c>stream_options.include_usage</c> added so usage can be recorded.
    /// Every other byte is copied as is.
    /// </summary>
    public byte[] Rewrite(ReadOnlySpan<byte> body, string upstreamModel, bool addStreamUsage)
    {
        var encoded = JsonEncodedText.Encode(upstreamModel);
        var quotedLength = Encoding.UTF8.GetByteCount(encoded.Value) + 2;
        var insert = addStreamUsage && Stream && !HasStreamOptions ? "\"stream_options\":{\"include_usage\":true},"u8 : default;
        var open = body.IndexOf((byte)'{');
        var result = new byte[body.Length - ModelLength + quotedLength + insert.Length];
        var span = result.AsSpan();
        var written = 0;
        if (!insert.IsEmpty)
        {
            body[..(open + 1)].CopyTo(span);
            written = open + 1;
            insert.CopyTo(span[written..]);
            written += insert.Length;
            body[(open + 1)..ModelStart].CopyTo(span[written..]);
            written += ModelStart - (open + 1);
        }
        else
        {
            body[..ModelStart].CopyTo(span);
            written = ModelStart;
        }

        span[written++] = (byte)'"';
        written += Encoding.UTF8.GetBytes(encoded.Value, span[written..]);
        span[written++] = (byte)'"';
        body[(ModelStart + ModelLength)..].CopyTo(span[written..]);
        return result;
    }

    /// <summary>
    /// True when <see cref="Rewrite"/> would return the body unchanged (the request already names the upstream model and
    /// nothing is inserted): the common deployment whose model_name is its upstream model then sends the client's bytes as
    /// they came, with no copy.
    /// </summary>
    public bool KeepsBody(ReadOnlySpan<byte> body, string upstreamModel, bool addStreamUsage)
    {
        if ((addStreamUsage && Stream && !HasStreamOptions) || !ModelIsString || ModelLength != upstreamModel.Length + 2)
        {
            return false;
        }

        var token = body.Slice(ModelStart, ModelLength);
        for (var i = 0; i < upstreamModel.Length; i++)
        {
            // Only characters JSON writes as themselves; anything else is left to Rewrite's encoder.
            var c = upstreamModel[i];
            if (c >= 0x7F || c < 0x20 || c is '"' or '\\' or '<' or '>' or '&' or '\'' or '+' or '`' || token[i + 1] != c)
            {
                return false;
            }
        }

        return token[0] == '"' && token[^1] == '"';
    }
}
