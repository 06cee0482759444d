using System.Text.Json;

namespace Switchboard.Translation.Responses;

internal static partial class ResponsesRequestTranslator
{
    /// <summary>
    /// <c>function</c> tools become chat functions; a <c>namespace</c> tool's functions are flattened (names that map back,
    /// <see cref="ResponsesToolNames"/>); a <c>custom</c> tool (free-form text input, Codex's <c>apply_patch</c>) becomes a
    /// function with one string parameter <c>input</c> (<see cref="CustomToolInput"/>); built-in tools (<c>web_search</c>,
    /// <c>file_search</c>, <c>computer_use</c>…) run at OpenAI, and an upstream offered them as functions would call tools
    /// nobody runs: left out.
    /// </summary>
    private static bool WriteTools(Utf8JsonWriter json, JsonElement root, ResponsesToolNames names, bool isGlm, TranslationNotes notes)
    {
        if (!root.TryGet("tools", JsonValueKind.Array, out var tools))
        {
            return false;
        }

        var choice = root.TryGetProperty("tool_choice", out var c) ? c : default;

        // GLM cannot be told "none"; offering no tools has the same effect.
        if (isGlm && choice.ValueKind == JsonValueKind.String && choice.GetString() == "none")
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
                throw new TranslationException($"Invalid type for '{path}': expected an object.");
            }

            switch (tool.GetString("type"))
            {
                case "function":
                    WriteFunction(json, tool, null, path, names, sent);
                    break;
                case "custom":
                    WriteCustom(json, tool, null, path, names, sent);
                    break;
                case "namespace":
                    var ns = tool.GetString("name") ?? throw new TranslationException($"Missing required parameter: '{path}.name'.");
                    if (tool.TryGet("tools", JsonValueKind.Array, out var inner))
                    {
                        var innerIndex = 0;
                        foreach (var function in inner.EnumerateArray())
                        {
                            var innerPath = $"{path}.tools[{innerIndex++}]";
                            if (function.ValueKind == JsonValueKind.Object && function.GetString("type") is "function" or null)
                            {
                                WriteFunction(json, function, ns, innerPath, names, sent);
                            }
                            else if (function.ValueKind == JsonValueKind.Object && function.GetString("type") == "custom")
                            {
                                WriteCustom(json, function, ns, innerPath, names, sent);
                            }
                            else
                            {
                                notes.Add($"{innerPath}: not a function, left out");
                            }
                        }
                    }

                    break;
                case var type:
                    notes.Add($"{path}: {JsonInput.Quote(type, 64)} is a built-in tool the upstream cannot run, left out");
                    break;
            }
        }

        if (sent.Count == 0)
        {
            return false;
        }

        json.WriteEndArray();
        WriteToolChoice(json, choice, names, isGlm, sent, notes);
        if (!isGlm && root.TryGetProperty("parallel_tool_calls", out var parallel) && parallel.ValueKind == JsonValueKind.False)
        {
            json.WriteBoolean("parallel_tool_calls"u8, false);
        }

        return true;
    }

    private static void WriteFunction(Utf8JsonWriter json, JsonElement tool, string? ns, string path, ResponsesToolNames names, HashSet<string> sent)
    {
        var name = tool.GetString("name") ?? throw new TranslationException($"Missing required parameter: '{path}.name'.");
        if (sent.Count == 0)
        {
            json.WriteStartArray("tools"u8);
        }

        var upstream = names.Upstream(ns, name);
        if (!sent.Add(upstream))
        {
            return;
        }

        json.WriteStartObject();
        json.WriteString("type"u8, "function"u8);
        json.WriteStartObject("function"u8);
        json.WriteString("name"u8, upstream);
        if (tool.GetString("description") is { } description)
        {
            json.WriteString("description"u8, description);
        }

        JsonInput.WriteObjectSchema(json, "parameters"u8, tool, "parameters");
        if (tool.TryGetProperty("strict", out var strict) && strict.ValueKind == JsonValueKind.True)
        {
            json.WriteBoolean("strict"u8, true);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>
    /// A <c>custom</c> tool as a function of one string, <c>input</c>; its description says so and carries the tool's
    /// grammar (<c>format</c>), which an upstream cannot enforce but a model can follow.
    /// </summary>
    private static void WriteCustom(Utf8JsonWriter json, JsonElement tool, string? ns, string path, ResponsesToolNames names, HashSet<string> sent)
    {
        var name = tool.GetString("name") ?? throw new TranslationException($"Missing required parameter: '{path}.name'.");
        if (sent.Count == 0)
        {
            json.WriteStartArray("tools"u8);
        }

        var upstream = names.Upstream(ns, name);
        if (!sent.Add(upstream))
        {
            return;
        }

        names.MarkCustom(upstream);
        json.WriteStartObject();
        json.WriteString("type"u8, "function"u8);
        json.WriteStartObject("function"u8);
        json.WriteString("name"u8, upstream);
        json.WriteString("description"u8, CustomDescription(tool));
        json.WriteStartObject("parameters"u8);
        json.WriteString("type"u8, "object"u8);
        json.WriteStartObject("properties"u8);
        json.WriteStartObject(CustomToolInput.Parameter);
        json.WriteString("type"u8, "string"u8);
        json.WriteString("description"u8, "The tool's whole input, as plain text (not JSON)."u8);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteStartArray("required"u8);
        json.WriteStringValue(CustomToolInput.Parameter);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>A grammar longer than this is cut in the description: a model needs its shape, not every rule.</summary>
    private const int MaxGrammarChars = 4000;

    private static string CustomDescription(JsonElement tool)
    {
        var text = new System.Text.StringBuilder(tool.GetString("description") ?? "");
        if (text.Length > 0)
        {
            text.Append("\n\n");
        }

        text.Append("Pass the whole input as the string parameter `input`; it is free-form text, not JSON.");
        if (tool.TryGet("format", JsonValueKind.Object, out var format) && format.GetString("type") == "grammar"
            && format.GetString("definition") is { Length: > 0 } definition)
        {
            var syntax = format.GetString("syntax") ?? "grammar";
            text.Append(" It must match this ").Append(syntax).Append(" grammar:\n");
            text.Append(definition.Length > MaxGrammarChars ? definition[..MaxGrammarChars] + "…" : definition);
        }

        return text.ToString();
    }

    private static void WriteToolChoice(Utf8JsonWriter json, JsonElement choice, ResponsesToolNames names, bool isGlm, HashSet<string> sent, TranslationNotes notes)
    {
        if (isGlm)
        {
            // Z.ai accepts only "auto"; required or a named function would be refused with error 1210.
            json.WriteString("tool_choice"u8, "auto"u8);
            return;
        }

        switch (choice.ValueKind)
        {
            case JsonValueKind.String when choice.GetString() is "auto" or "none" or "required":
                json.WriteString("tool_choice"u8, choice.GetString());
                return;
            case JsonValueKind.Object when choice.GetString("type") is "function" or "custom" && choice.GetString("name") is { } name:
                var upstream = names.Upstream(choice.GetString("namespace"), name);
                if (sent.Contains(upstream))
                {
                    json.WriteStartObject("tool_choice"u8);
                    json.WriteString("type"u8, "function"u8);
                    json.WriteStartObject("function"u8);
                    json.WriteString("name"u8, upstream);
                    json.WriteEndObject();
                    json.WriteEndObject();
                    return;
                }

                notes.Add("tool_choice: names no function that was sent, auto instead");
                break;
            case JsonValueKind.Object when choice.GetString("type") == "allowed_tools" && choice.GetString("mode") == "required":
                json.WriteString("tool_choice"u8, "required"u8);
                return;
            case JsonValueKind.Undefined or JsonValueKind.Null:
                break;
            default:
                notes.Add("tool_choice: a built-in tool or an unknown form, auto instead");
                break;
        }

        json.WriteString("tool_choice"u8, "auto"u8);
    }
}
