using System.Text;
using System.Text.Json;

namespace Switchboard.Api;

/// <summary>
/// The few top-level fields routing needs, read with <see cref="Utf8JsonReader"/> without building a DOM
/// (DESIGN decision 3). Records where the <c>model</c> value sits so it can be swapped in place.
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
    string? User)
{
    /// <summary>Parses the body; throws <see cref="JsonException"/> for malformed JSON or a non-object root.</summary>
    public static RoutingFields Parse(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("the request body must be a JSON object");
        }

        string? model = null;
        bool hasModel = false, modelIsString = false, stream = false, hasStreamOptions = false, includeUsage = false;
        int modelStart = 0, modelLength = 0;
        string? user = null;
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
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.Read();
                stream = reader.TokenType == JsonTokenType.True;
                reader.Skip();
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
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new RoutingFields(model, modelIsString, hasModel, modelStart, modelLength, stream, hasStreamOptions, includeUsage, user);
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
}
