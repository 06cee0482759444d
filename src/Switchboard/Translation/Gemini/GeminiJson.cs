using System.Text.Json;

namespace Switchboard.Translation.Gemini;

/// <summary>
/// Field reads for Gemini's JSON. Google's servers read protobuf JSON, which takes every field by its lowerCamelCase
/// name and by its snake_case proto name (<c>systemInstruction</c> and <c>system_instruction</c>; the REST samples use
/// the latter), so both are read here too.
/// </summary>
internal static class GeminiJson
{
    public static bool TryField(this JsonElement element, string camel, string snake, out JsonElement value)
    {
        value = default;
        return element.ValueKind == JsonValueKind.Object
            && (element.TryGetProperty(camel, out value) || (snake.Length > 0 && element.TryGetProperty(snake, out value)))
            && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
    }

    public static bool TryField(this JsonElement element, string camel, string snake, JsonValueKind kind, string path, out JsonElement value)
    {
        if (!element.TryField(camel, snake, out value))
        {
            return false;
        }

        if (value.ValueKind != kind)
        {
            throw new TranslationException($"{path}.{camel}: must be {KindName(kind)}.");
        }

        return true;
    }

    public static string? StringField(this JsonElement element, string camel, string snake, string path) =>
        element.TryField(camel, snake, JsonValueKind.String, path, out var value) ? value.GetString() : null;

    public static bool IsCamelOrSnake(string name, string camel, string snake) =>
        name.Equals(camel, StringComparison.Ordinal) || name.Equals(snake, StringComparison.Ordinal);

    private static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
