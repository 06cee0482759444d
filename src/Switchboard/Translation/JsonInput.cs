using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation;

/// <summary>Parsing and reading helpers shared by the request and response translators.</summary>
internal static class JsonInput
{
    public static JsonDocument Parse(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new TranslationException($"{what} must be a JSON object.");
            }

            return document;
        }
        catch (JsonException e)
        {
            throw new TranslationException($"{what} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Client input quoted in an error message or a note, in quotes: at most <paramref name="max"/> characters.</summary>
    public static string Quote(string? value, int max = Protocols.ClientText.MaxQuoted) =>
        value is null ? "null" : "\"" + Protocols.ClientText.Quote(value, max) + "\"";

    /// <summary>Writes <paramref name="name"/> with the tool schema <paramref name="owner"/> holds under <paramref name="property"/>, else an empty object schema.</summary>
    public static void WriteObjectSchema(Utf8JsonWriter json, ReadOnlySpan<byte> name, JsonElement owner, string property)
    {
        json.WritePropertyName(name);
        if (owner.TryGet(property, JsonValueKind.Object, out var schema))
        {
            schema.WriteTo(json);
            return;
        }

        json.WriteStartObject();
        json.WriteString("type"u8, "object"u8);
        json.WriteStartObject("properties"u8);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>
    /// Reading or writing a string that holds invalid UTF-8 or a lone surrogate throws InvalidOperationException or
    /// ArgumentException deep in System.Text.Json; the translators turn that into the client's 400 with this.
    /// </summary>
    public static TranslationException NotUnicode(Exception inner) =>
        new("The request body holds text that is not valid Unicode (invalid UTF-8 or a lone surrogate).", inner);

    // Each helper first checks for an object: client JSON may hold any type where an object belongs, and
    // TryGetProperty throws on a non-object (found by the fuzz suite, docs/hostile-input.md).
    public static string? GetString(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool TryGet(this JsonElement element, string property, JsonValueKind kind, out JsonElement value)
    {
        value = default;
        return element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out value) && value.ValueKind == kind;
    }

    public static bool IsTrue(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.True;

    public static int GetInt(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : 0;

    /// <summary>The element as compact JSON text (OpenAI <c>arguments</c> are a string).</summary>
    public static string Compact(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            element.WriteTo(json);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes a number, clamped to a range, keeping integers integral.</summary>
    public static void WriteClamped(Utf8JsonWriter json, string name, JsonElement value, double min, double max)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            return;
        }

        var number = value.GetDouble();
        if (number >= min && number <= max)
        {
            json.WritePropertyName(name);
            value.WriteTo(json);
        }
        else
        {
            json.WriteNumber(name, Math.Clamp(number, min, max));
        }
    }
}
