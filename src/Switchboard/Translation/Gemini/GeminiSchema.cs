using System.Text.Json;

namespace Switchboard.Translation.Gemini;

/// <summary>
/// Gemini's schemas (<c>parameters</c>, <c>responseSchema</c>: an OpenAPI 3.0 subset with upper-case types such as
/// <c>OBJECT</c>, <c>nullable</c>, <c>propertyOrdering</c>; and <c>parametersJsonSchema</c>/<c>responseJsonSchema</c>, JSON
/// Schema proper, which Gemini CLI still writes with upper-case types at times) → JSON Schema as OpenAI-compatible
/// servers read it: types lower-cased, <c>nullable: true</c> as a <c>"null"</c> type, Gemini-only keywords left out,
/// everything else kept as sent. One walk serves both forms: on JSON Schema it changes only the type names' case.
/// </summary>
internal static class GeminiSchema
{
    public static void Write(Utf8JsonWriter json, JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            // A boolean schema (true/false) is JSON Schema too; anything else is kept as sent.
            schema.WriteTo(json);
            return;
        }

        var nullable = schema.IsTrue("nullable");
        json.WriteStartObject();
        foreach (var property in schema.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "type":
                    WriteType(json, value, nullable);
                    break;
                case "nullable" or "propertyOrdering":
                    break;
                case "format" when value.ValueKind == JsonValueKind.String && value.ValueEquals("enum"u8):
                    // Gemini's marker for a string enum; "enum" carries the values already.
                    break;
                case "properties" or "$defs" or "definitions" or "patternProperties" or "dependentSchemas" when value.ValueKind == JsonValueKind.Object:
                    json.WriteStartObject(property.Name);
                    foreach (var member in value.EnumerateObject())
                    {
                        json.WritePropertyName(member.Name);
                        Write(json, member.Value);
                    }

                    json.WriteEndObject();
                    break;
                case "items" or "additionalProperties" or "not" or "contains" or "if" or "then" or "else" or "additionalItems"
                    or "unevaluatedProperties" or "unevaluatedItems" or "propertyNames":
                    json.WritePropertyName(property.Name);
                    Write(json, value);
                    break;
                case "anyOf" or "oneOf" or "allOf" or "prefixItems" when value.ValueKind == JsonValueKind.Array:
                    json.WriteStartArray(property.Name);
                    foreach (var item in value.EnumerateArray())
                    {
                        Write(json, item);
                    }

                    json.WriteEndArray();
                    break;
                default:
                    property.WriteTo(json);
                    break;
            }
        }

        json.WriteEndObject();
    }

    private static void WriteType(Utf8JsonWriter json, JsonElement type, bool nullable)
    {
        if (type.ValueKind == JsonValueKind.String)
        {
            var name = TypeName(type.GetString()!);
            if (name is null)
            {
                return;
            }

            if (nullable && name != "null")
            {
                json.WriteStartArray("type"u8);
                json.WriteStringValue(name);
                json.WriteStringValue("null"u8);
                json.WriteEndArray();
            }
            else
            {
                json.WriteString("type"u8, name);
            }

            return;
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            json.WriteStartArray("type"u8);
            var hasNull = false;
            foreach (var item in type.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && TypeName(item.GetString()!) is { } name)
                {
                    hasNull |= name == "null";
                    json.WriteStringValue(name);
                }
            }

            if (nullable && !hasNull)
            {
                json.WriteStringValue("null"u8);
            }

            json.WriteEndArray();
            return;
        }

        json.WritePropertyName("type"u8);
        type.WriteTo(json);
    }

    /// <summary>Gemini's upper-case type names in JSON Schema's spelling; <c>TYPE_UNSPECIFIED</c> means no type.</summary>
    private static string? TypeName(string type) => type switch
    {
        "TYPE_UNSPECIFIED" or "" => null,
        "STRING" or "string" => "string",
        "NUMBER" or "number" => "number",
        "INTEGER" or "integer" => "integer",
        "BOOLEAN" or "boolean" => "boolean",
        "ARRAY" or "array" => "array",
        "OBJECT" or "object" => "object",
        "NULL" or "null" => "null",
        _ => type.ToLowerInvariant(),
    };
}
