using System.Text.Json;
using Switchboard.Protocols;

namespace Switchboard.Translation.Responses;

/// <summary>
/// Reads a Responses API <c>usage</c> (<c>input_tokens</c>, <c>output_tokens</c>, <c>input_tokens_details.cached_tokens</c>)
/// from a <c>response</c> object or from an event that carries one (<c>response.completed</c>, <c>.incomplete</c>,
/// <c>.failed</c>), skimmed with <see cref="Utf8JsonReader"/>: what a natively passed-through call is billed by.
/// </summary>
internal static class ResponsesUsage
{
    public static bool TryRead(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && TryReadObject(ref reader, depth: 0, out usage);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads the object the reader is on: its <c>usage</c>, or (one level down) its <c>response.usage</c>.</summary>
    private static bool TryReadObject(ref Utf8JsonReader reader, int depth, out TokenUsage usage)
    {
        usage = default;
        var found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    usage = ReadUsage(ref reader);
                    found = true;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (depth == 0 && reader.ValueTextEquals("response"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject && TryReadObject(ref reader, depth + 1, out var inner))
                {
                    usage = inner;
                    found = true;
                }
                else if (reader.TokenType != JsonTokenType.EndObject)
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

        return found;
    }

    private static TokenUsage ReadUsage(ref Utf8JsonReader reader)
    {
        int input = 0, output = 0, cached = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                input = ReadInt(ref reader);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                output = ReadInt(ref reader);
            }
            else if (reader.ValueTextEquals("input_tokens_details"u8))
            {
                if (!JsonSkim.EnterObject(ref reader))
                {
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

        return new TokenUsage(input, output, cached, Estimated: false);
    }

    private static int ReadInt(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : 0;
    }
}
