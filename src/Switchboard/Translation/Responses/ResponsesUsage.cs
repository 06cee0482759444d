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
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                }
                else if (ReadUsage(ref reader) is { } read)
                {
                    usage = read;
                    found = true;
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

    private static TokenUsage? ReadUsage(ref Utf8JsonReader reader)
    {
        int input = 0, output = 0, cached = 0;
        var trusted = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                input = JsonSkim.ReadCount(ref reader, ref trusted);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                output = JsonSkim.ReadCount(ref reader, ref trusted);
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
                        cached = JsonSkim.ReadCount(ref reader, ref trusted);
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

        // Counts no counter gives are no usage: the call is billed by its estimate.
        return trusted && cached <= input ? new TokenUsage(input, output, cached, Estimated: false) : null;
    }
}
