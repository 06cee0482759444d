using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Switchboard.MockProvider;

/// <summary>
/// The mock's answer in JSON mode: an instance of the asked schema (every property; strings carry the answer text or an
/// enum's first value, numbers their minimum or 1, arrays their minimum count of items), or <c>{"answer": text}</c> when
/// no schema was given. Deterministic, so that tests can expect it.
/// </summary>
internal static class MockJsonAnswer
{
    private const int MaxDepth = 16;

    public static string For(string? schema, string text)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, MockJson.WriterOptions))
        {
            JsonDocument? document = null;
            try
            {
                document = schema is null ? null : JsonDocument.Parse(schema);
            }
            catch (JsonException)
            {
                document = null;
            }

            using (document)
            {
                if (document is null || document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    writer.WriteStartObject();
                    writer.WriteString("answer"u8, text);
                    writer.WriteEndObject();
                }
                else
                {
                    Write(writer, document.RootElement, text, 0);
                }
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement schema, string text, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > MaxDepth)
        {
            writer.WriteStringValue(text);
            return;
        }

        foreach (var choice in (ReadOnlySpan<string>)["anyOf", "oneOf", "allOf"])
        {
            if (schema.TryGetProperty(choice, out var options) && options.ValueKind == JsonValueKind.Array && options.GetArrayLength() > 0)
            {
                Write(writer, options[0], text, depth + 1);
                return;
            }
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            values[0].WriteTo(writer);
            return;
        }

        switch (TypeOf(schema))
        {
            case "object":
                writer.WriteStartObject();
                if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in properties.EnumerateObject())
                    {
                        writer.WritePropertyName(property.Name);
                        Write(writer, property.Value, text, depth + 1);
                    }
                }

                writer.WriteEndObject();
                break;
            case "array":
                writer.WriteStartArray();
                var count = schema.TryGetProperty("minItems", out var min) && min.TryGetInt32(out var n) ? Math.Clamp(n, 0, 4) : 0;
                for (var i = 0; i < count; i++)
                {
                    Write(writer, schema.TryGetProperty("items", out var items) ? items : default, text, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case "integer" or "number":
                writer.WriteNumberValue(schema.TryGetProperty("minimum", out var minimum) && minimum.TryGetInt64(out var low) ? low : 1);
                break;
            case "boolean":
                writer.WriteBooleanValue(true);
                break;
            case "null":
                writer.WriteNullValue();
                break;
            default:
                writer.WriteStringValue(text);
                break;
        }
    }

    private static string? TypeOf(JsonElement schema)
    {
        if (schema.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                return type.GetString()?.ToLowerInvariant();
            }

            if (type.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in type.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && item.GetString() is { } name && name != "null")
                    {
                        return name.ToLowerInvariant();
                    }
                }
            }
        }

        return schema.TryGetProperty("properties", out _) ? "object" : null;
    }
}
