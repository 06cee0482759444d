using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation.Gemini;

/// <summary>
/// Gemini <c>GenerateContentRequest</c> → the OpenAI chat pivot (architecture decision 12). Pure: bytes in, bytes out.
/// Liberal in what it accepts (unknown fields, parts and tools are left out or kept as text, with a note); refuses only
/// what the client got wrong (not JSON, wrong types, no contents). The policy, field by field, is in docs/compatibility.md.
/// </summary>
internal static class GeminiRequestTranslator
{
    /// <summary>Top-level fields read below (both spellings); any other is left out with a note.</summary>
    private static readonly FrozenSet<string> s_known = FrozenSet.ToFrozenSet(
    [
        "contents", "systemInstruction", "system_instruction", "tools", "toolConfig", "tool_config", "generationConfig",
        "generation_config", "model",
    ], StringComparer.Ordinal);

    public static GeminiPivotRequest ToPivot(ReadOnlySpan<byte> geminiJson, in GeminiToPivotOptions options)
    {
        using var document = JsonInput.Parse(geminiJson, "The request body");
        try
        {
            return Translate(document.RootElement, geminiJson.Length, options);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw JsonInput.NotUnicode(e);
        }
    }

    /// <summary>The request of <c>:countTokens</c>: its own <c>contents</c>, or a whole <c>generateContentRequest</c>.</summary>
    public static JsonElement CountTokensRequest(JsonElement root) =>
        root.TryField("generateContentRequest", "generate_content_request", JsonValueKind.Object, "request", out var inner) ? inner : root;

    private static GeminiPivotRequest Translate(JsonElement root, int inputLength, in GeminiToPivotOptions options)
    {
        var names = new ToolNameMap();
        var notes = new TranslationNotes();
        var generation = root.TryField("generationConfig", "generation_config", JsonValueKind.Object, "request", out var g) ? g : default;
        var thinking = generation.TryField("thinkingConfig", "thinking_config", JsonValueKind.Object, "generationConfig", out var t) ? t : default;
        var buffer = new ArrayBufferWriter<byte>(inputLength + 256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            json.WriteStartObject();
            json.WriteString("model"u8, options.UpstreamModel);
            new GeminiContents(json, names, notes).Write(root);
            WriteGeneration(json, generation, options, notes);
            var hasTools = GeminiTools.Write(json, root, names, options.IsGlm, notes);
            PivotSampling.WriteStream(json, options.Stream, options.OmitStreamOptions, options.IsGlm, hasTools);

            WriteReasoning(json, thinking, options, notes);
            json.WriteEndObject();
        }

        notes.AddUnknownFields(root, s_known, "not mapped to the upstream");

        notes.LogTo(options.Logger, "gemini→openai");
        return new GeminiPivotRequest
        {
            Body = buffer.WrittenSpan.ToArray(),
            Stream = options.Stream,
            RequestedModel = options.RequestedModel,
            IncludeThoughts = thinking.ValueKind == JsonValueKind.Object && thinking.TryField("includeThoughts", "include_thoughts", out var include) && include.ValueKind == JsonValueKind.True,
            ToolNames = names.Count == 0 ? ToolNameMap.Empty : names,
            Notes = notes.Items,
        };
    }

    private static bool IsReasoning(in GeminiToPivotOptions options) =>
        PivotSampling.IsReasoning(options.IsGlm, options.ReasoningModel, options.UpstreamModel);

    private static void WriteGeneration(Utf8JsonWriter json, JsonElement config, in GeminiToPivotOptions options, TranslationNotes notes)
    {
        var reasoning = IsReasoning(options);
        PivotSampling.WriteMaxTokens(json,
            config.TryField("maxOutputTokens", "max_output_tokens", JsonValueKind.Number, "generationConfig", out var max) ? max : default,
            reasoning, options.MaxOutputTokens);

        if (config.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in config.EnumerateObject())
        {
            var name = property.Name;
            var value2 = property.Value;
            if (GeminiJson.IsCamelOrSnake(name, "temperature", "") || GeminiJson.IsCamelOrSnake(name, "topP", "top_p"))
            {
                var isTemperature = name == "temperature";
                RequireNumber(value2, name);
                if (reasoning)
                {
                    notes.Add($"generationConfig.{name}: a reasoning model takes only its default, left out");
                }
                else
                {
                    JsonInput.WriteClamped(json, isTemperature ? "temperature" : "top_p", value2, 0, isTemperature && !options.IsGlm ? 2 : 1);
                }
            }
            else if (GeminiJson.IsCamelOrSnake(name, "stopSequences", "stop_sequences"))
            {
                if (value2.ValueKind != JsonValueKind.Array)
                {
                    throw new TranslationException($"generationConfig.{name}: must be an array of strings.");
                }

                PivotSampling.WriteStop(json, value2, reasoning, $"generationConfig.{name}", notes);
            }
            else if (GeminiJson.IsCamelOrSnake(name, "candidateCount", "candidate_count"))
            {
                RequireNumber(value2, name);
                if (value2.TryGetInt32(out var count) && count > 1)
                {
                    notes.Add($"generationConfig.{name}: {count} asked, one candidate is answered");
                }
            }
            else if (!options.IsGlm && (GeminiJson.IsCamelOrSnake(name, "presencePenalty", "presence_penalty") || GeminiJson.IsCamelOrSnake(name, "frequencyPenalty", "frequency_penalty")))
            {
                RequireNumber(value2, name);
                if (reasoning)
                {
                    // OpenAI's reasoning models answer 400 "Unsupported parameter" to either penalty.
                    notes.Add($"generationConfig.{name}: a reasoning model does not take it, left out");
                }
                else
                {
                    JsonInput.WriteClamped(json, name.StartsWith("presence", StringComparison.Ordinal) ? "presence_penalty" : "frequency_penalty", value2, -2, 2);
                }
            }
            else if (!options.IsGlm && GeminiJson.IsCamelOrSnake(name, "seed", "") && value2.ValueKind == JsonValueKind.Number)
            {
                json.WritePropertyName("seed"u8);
                value2.WriteTo(json);
            }
            else if (GeminiJson.IsCamelOrSnake(name, "responseMimeType", "response_mime_type"))
            {
                WriteResponseFormat(json, config, options, notes);
            }
            else if (GeminiJson.IsCamelOrSnake(name, "maxOutputTokens", "max_output_tokens") || GeminiJson.IsCamelOrSnake(name, "thinkingConfig", "thinking_config")
                     || GeminiJson.IsCamelOrSnake(name, "responseSchema", "response_schema") || GeminiJson.IsCamelOrSnake(name, "responseJsonSchema", "response_json_schema"))
            {
                // Read above, below, or with responseMimeType.
            }
            else
            {
                notes.Add($"generationConfig.{JsonInput.Quote(name, 64)}: not mapped to the upstream, left out");
            }
        }
    }

    /// <summary>
    /// <c>responseMimeType: application/json</c> with a schema (<c>responseSchema</c> in OpenAPI form or
    /// <c>responseJsonSchema</c>) → <c>response_format</c> <c>json_schema</c>; without one → <c>json_object</c>. GLM takes
    /// only <c>json_object</c>. Other types (<c>text/plain</c>, <c>text/x.enum</c>) are plain text.
    /// </summary>
    private static void WriteResponseFormat(Utf8JsonWriter json, JsonElement config, in GeminiToPivotOptions options, TranslationNotes notes)
    {
        var mime = config.StringField("responseMimeType", "response_mime_type", "generationConfig");
        if (mime != "application/json")
        {
            if (mime is not null and not "text/plain")
            {
                notes.Add($"generationConfig.responseMimeType {JsonInput.Quote(mime, 64)}: plain text instead");
            }

            return;
        }

        var hasSchema = config.TryField("responseJsonSchema", "response_json_schema", out var schema) || config.TryField("responseSchema", "response_schema", out schema);
        json.WriteStartObject("response_format"u8);
        if (!hasSchema || options.IsGlm)
        {
            if (hasSchema)
            {
                notes.Add("generationConfig.responseSchema: this upstream takes JSON mode without a schema, left out");
            }

            json.WriteString("type"u8, "json_object"u8);
        }
        else
        {
            json.WriteString("type"u8, "json_schema"u8);
            json.WriteStartObject("json_schema"u8);
            json.WriteString("name"u8, "response"u8);
            json.WritePropertyName("schema"u8);
            GeminiSchema.Write(json, schema);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// <c>thinkingConfig</c> (<c>thinkingBudget</c>: 0 off, -1 dynamic, else tokens; or Gemini 3's <c>thinkingLevel</c>)
    /// → GLM's on/off <c>thinking</c> switch, or an OpenAI reasoning model's <c>reasoning_effort</c>; other models would
    /// refuse either, so they get neither (as for Anthropic clients, architecture decision 12 reuses the same policy).
    /// </summary>
    private static void WriteReasoning(Utf8JsonWriter json, JsonElement thinking, in GeminiToPivotOptions options, TranslationNotes notes)
    {
        if (thinking.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        long? budget = thinking.TryField("thinkingBudget", "thinking_budget", JsonValueKind.Number, "thinkingConfig", out var b) ? (b.TryGetInt64(out var n) ? n : long.MaxValue) : null;
        var level = thinking.StringField("thinkingLevel", "thinking_level", "thinkingConfig")?.ToLowerInvariant();
        if (options.IsGlm)
        {
            var on = budget switch
            {
                0 => false,
                not null => true,
                null when level is not null => level != "minimal",
                _ => (bool?)null,
            };
            if (on is { } enabled)
            {
                json.WriteStartObject("thinking"u8);
                json.WriteString("type"u8, enabled ? "enabled"u8 : "disabled"u8);
                json.WriteEndObject();
            }

            return;
        }

        if (!IsReasoning(options))
        {
            return;
        }

        var effort = level switch
        {
            "minimal" or "low" => "low",
            "medium" => "medium",
            "high" => "high",
            not null => null,
            null => budget switch
            {
                null or -1 => null,
                <= 1024 => "low",
                <= 8192 => "medium",
                _ => "high",
            },
        };
        if (effort is not null)
        {
            json.WriteString("reasoning_effort"u8, effort);
        }
        else if (level is not null)
        {
            notes.Add($"thinkingConfig.thinkingLevel {JsonInput.Quote(level, 64)}: unknown, left out");
        }
    }

    private static void RequireNumber(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new TranslationException($"generationConfig.{name}: must be a number.");
        }
    }
}
