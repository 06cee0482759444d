using System.Text.Json;

namespace Switchboard.Translation.Gemini;

/// <summary>
/// <c>tools[].functionDeclarations</c> → pivot <c>tools</c> (functions), and <c>toolConfig.functionCallingConfig</c> →
/// <c>tool_choice</c>. Google's own tools (<c>googleSearch</c>, <c>codeExecution</c>, <c>urlContext</c>…) run at Google:
/// an upstream cannot run them, so they are left out with a note.
/// </summary>
internal static class GeminiTools
{
    public static bool Write(Utf8JsonWriter json, JsonElement root, ToolNameMap names, bool isGlm, TranslationNotes notes)
    {
        if (!root.TryField("tools", "", JsonValueKind.Array, "request", out var tools))
        {
            return false;
        }

        var calling = root.TryField("toolConfig", "tool_config", JsonValueKind.Object, "request", out var toolConfig)
            && toolConfig.TryField("functionCallingConfig", "function_calling_config", JsonValueKind.Object, "toolConfig", out var c) ? c : default;
        var mode = calling.ValueKind == JsonValueKind.Object ? calling.StringField("mode", "", "functionCallingConfig")?.ToUpperInvariant() : null;

        // GLM cannot be told "none"; offering no tools has the same effect.
        if (isGlm && mode == "NONE")
        {
            return false;
        }

        var sent = new List<string>();
        var toolIndex = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = $"tools[{toolIndex++}]";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                throw new TranslationException($"{path}: must be an object.");
            }

            foreach (var property in tool.EnumerateObject())
            {
                if (!GeminiJson.IsCamelOrSnake(property.Name, "functionDeclarations", "function_declarations"))
                {
                    notes.Add($"{path}.{JsonInput.Quote(property.Name, 64)}: runs at Google, left out");
                    continue;
                }

                if (property.Value.ValueKind != JsonValueKind.Array)
                {
                    throw new TranslationException($"{path}.functionDeclarations: must be an array.");
                }

                var index = 0;
                foreach (var declaration in property.Value.EnumerateArray())
                {
                    WriteFunction(json, declaration, $"{path}.functionDeclarations[{index++}]", names, sent);
                }
            }
        }

        if (sent.Count == 0)
        {
            return false;
        }

        json.WriteEndArray();
        WriteToolChoice(json, calling, mode, names, isGlm, sent, notes);
        return true;
    }

    private static void WriteFunction(Utf8JsonWriter json, JsonElement declaration, string path, ToolNameMap names, List<string> sent)
    {
        if (declaration.ValueKind != JsonValueKind.Object)
        {
            throw new TranslationException($"{path}: must be an object.");
        }

        var name = declaration.StringField("name", "", path) ?? throw new TranslationException($"{path}.name: field required (every function needs a name).");
        if (sent.Count == 0)
        {
            json.WriteStartArray("tools"u8);
        }

        var shortName = names.Shorten(name);
        sent.Add(shortName);
        json.WriteStartObject();
        json.WriteString("type"u8, "function"u8);
        json.WriteStartObject("function"u8);
        json.WriteString("name"u8, shortName);
        if (declaration.StringField("description", "", path) is { } description)
        {
            json.WriteString("description"u8, description);
        }

        json.WritePropertyName("parameters"u8);
        if (declaration.TryField("parametersJsonSchema", "parameters_json_schema", out var schema) || declaration.TryField("parameters", "", out schema))
        {
            if (schema.ValueKind != JsonValueKind.Object)
            {
                throw new TranslationException($"{path}.parameters: must be an object (a schema).");
            }

            GeminiSchema.Write(json, schema);
        }
        else
        {
            // A function without parameters: OpenAI-compatible servers want an object schema all the same.
            json.WriteStartObject();
            json.WriteString("type"u8, "object"u8);
            json.WriteStartObject("properties"u8);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>AUTO → auto, ANY → required (or the one allowed function), NONE → none; GLM takes only auto.</summary>
    private static void WriteToolChoice(Utf8JsonWriter json, JsonElement calling, string? mode, ToolNameMap names, bool isGlm, List<string> sent, TranslationNotes notes)
    {
        if (isGlm)
        {
            // Z.ai accepts only "auto"; required/named would be refused with error 1210 (NONE never reaches here).
            json.WriteString("tool_choice"u8, "auto"u8);
            return;
        }

        switch (mode)
        {
            case null:
                return;
            case "ANY":
                string? only = null;
                if (calling.TryField("allowedFunctionNames", "allowed_function_names", JsonValueKind.Array, "functionCallingConfig", out var allowed))
                {
                    if (allowed.GetArrayLength() == 1 && allowed[0].ValueKind == JsonValueKind.String && sent.Contains(names.Shorten(allowed[0].GetString()!)))
                    {
                        only = names.Shorten(allowed[0].GetString()!);
                    }
                    else if (allowed.GetArrayLength() > 1)
                    {
                        notes.Add("toolConfig.functionCallingConfig.allowedFunctionNames: several names, any function may be called");
                    }
                }

                if (only is null)
                {
                    json.WriteString("tool_choice"u8, "required"u8);
                }
                else
                {
                    json.WriteStartObject("tool_choice"u8);
                    json.WriteString("type"u8, "function"u8);
                    json.WriteStartObject("function"u8);
                    json.WriteString("name"u8, only);
                    json.WriteEndObject();
                    json.WriteEndObject();
                }

                break;
            case "NONE":
                json.WriteString("tool_choice"u8, "none"u8);
                break;
            default:
                // AUTO, VALIDATED (auto with schema checks at Google) and modes added later.
                json.WriteString("tool_choice"u8, "auto"u8);
                break;
        }
    }
}
