using System.Text.Json;

namespace Switchboard.Translation;

internal static partial class AnthropicRequestTranslator
{
    private static bool WriteTools(Utf8JsonWriter json, JsonElement root, ToolNameMap names, bool isGlm, TranslationNotes notes)
    {
        if (!root.TryGet("tools", JsonValueKind.Array, out var tools))
        {
            return false;
        }

        // GLM cannot be told "none"; offering no tools has the same effect.
        if (isGlm && root.TryGet("tool_choice", JsonValueKind.Object, out var choice) && choice.GetString("type") == "none")
        {
            return false;
        }

        var sent = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                notes.Add($"{path}: not an object, left out");
                continue;
            }

            // Server tools (web_search_20250305, bash_20250124, text_editor_*, computer_*…) run at Anthropic: an
            // OpenAI upstream cannot run them, and offering them as functions would make the model call tools nobody runs.
            var type = tool.GetString("type");
            if (type is not null and not "custom")
            {
                notes.Add($"{path}: {JsonInput.Quote(type, 64)} is a server tool, left out");
                continue;
            }

            var name = tool.GetString("name") ?? throw new TranslationException($"{path}.name: field required (every tool needs a name).");
            if (sent.Count == 0)
            {
                json.WriteStartArray("tools"u8);
            }

            // A deferred tool (defer_loading) is sent like any other: the model may call it directly, which saves the
            // tool-search round trip that only Anthropic's servers can do.
            var shortName = names.Shorten(name);
            sent.Add(shortName);
            json.WriteStartObject();
            json.WriteString("type"u8, "function"u8);
            json.WriteStartObject("function"u8);
            json.WriteString("name"u8, shortName);
            if (tool.GetString("description") is { } description)
            {
                json.WriteString("description"u8, description);
            }

            JsonInput.WriteObjectSchema(json, "parameters"u8, tool, "input_schema");

            json.WriteEndObject();
            json.WriteEndObject();
        }

        if (sent.Count == 0)
        {
            return false;
        }

        json.WriteEndArray();
        WriteToolChoice(json, root, names, isGlm, sent, notes);
        return true;
    }

    private static void WriteToolChoice(Utf8JsonWriter json, JsonElement root, ToolNameMap names, bool isGlm, HashSet<string> sent, TranslationNotes notes)
    {
        if (!root.TryGet("tool_choice", JsonValueKind.Object, out var choice))
        {
            if (isGlm)
            {
                json.WriteString("tool_choice"u8, "auto"u8);
            }

            return;
        }

        if (isGlm)
        {
            // Z.ai accepts only "auto"; any/tool would be refused with error 1210 (none never reaches here).
            json.WriteString("tool_choice"u8, "auto"u8);
            return;
        }

        switch (choice.GetString("type"))
        {
            case "any":
                json.WriteString("tool_choice"u8, "required"u8);
                break;
            case "none":
                json.WriteString("tool_choice"u8, "none"u8);
                break;
            case "tool" when choice.GetString("name") is { } name && sent.Contains(names.Shorten(name)):
                json.WriteStartObject("tool_choice"u8);
                json.WriteString("type"u8, "function"u8);
                json.WriteStartObject("function"u8);
                json.WriteString("name"u8, names.Shorten(name));
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case "tool":
                // Naming a tool that was left out (a server tool) or none at all: forcing it would be a 400 upstream.
                notes.Add("tool_choice: names no tool that was sent, auto instead");
                json.WriteString("tool_choice"u8, "auto"u8);
                break;
            default:
                json.WriteString("tool_choice"u8, "auto"u8);
                break;
        }

        if (choice.IsTrue("disable_parallel_tool_use"))
        {
            json.WriteBoolean("parallel_tool_calls"u8, false);
        }
    }
}
