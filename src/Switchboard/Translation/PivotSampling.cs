using System.Text.Json;

namespace Switchboard.Translation;

/// <summary>
/// The fields every request translator to the pivot writes alike (Anthropic, Responses, Gemini): the output cap under
/// the name the upstream takes, temperature/top_p and stop sequences, which OpenAI reasoning models refuse, and the
/// streaming fields.
/// </summary>
internal static class PivotSampling
{
    /// <summary>True for an OpenAI reasoning model: it takes reasoning_effort and max_completion_tokens, refuses max_tokens and sampling knobs.</summary>
    public static bool IsReasoning(bool isGlm, bool? reasoningModel, string upstreamModel) =>
        !isGlm && (reasoningModel ?? AnthropicToOpenAiOptions.IsReasoningModel(upstreamModel));

    /// <summary>
    /// The client's output cap (<paramref name="requested"/>, a number or undefined), held to the deployment's
    /// <paramref name="limit"/> and at least 1; the limit alone when the client set none; nothing when neither did.
    /// </summary>
    public static void WriteMaxTokens(Utf8JsonWriter json, JsonElement requested, bool reasoning, int? limit)
    {
        long? value = requested.ValueKind == JsonValueKind.Number ? requested.TryGetInt64(out var n) ? n : long.MaxValue : null;
        if (limit is { } cap && (value is null || value > cap))
        {
            value = cap;
        }

        if (value is { } v)
        {
            json.WriteNumber(reasoning ? "max_completion_tokens"u8 : "max_tokens"u8, Math.Max(1, v));
        }
    }

    /// <summary>
    /// Temperature and top_p (each undefined when absent), clamped to what the upstream takes (GLM's temperature to 1);
    /// left out with a note for a reasoning model, which answers 400 to any but its default.
    /// </summary>
    public static void WriteTemperatureAndTopP(
        Utf8JsonWriter json, JsonElement temperature, JsonElement topP, bool reasoning, bool isGlm, TranslationNotes notes)
    {
        if (reasoning)
        {
            if (temperature.ValueKind != JsonValueKind.Undefined || topP.ValueKind != JsonValueKind.Undefined)
            {
                notes.Add("temperature/top_p: a reasoning model takes only its default, left out");
            }

            return;
        }

        if (temperature.ValueKind != JsonValueKind.Undefined)
        {
            JsonInput.WriteClamped(json, "temperature", temperature, 0, isGlm ? 1 : 2);
        }

        if (topP.ValueKind != JsonValueKind.Undefined)
        {
            JsonInput.WriteClamped(json, "top_p", topP, 0, 1);
        }
    }

    /// <summary>OpenAI's chat completions take at most this many stop sequences and answer 400 to more.</summary>
    public const int MaxStopSequences = 4;

    /// <summary>
    /// A stop-sequence array (<paramref name="field"/> names it in the notes) as <c>stop</c>: its strings, the first
    /// <see cref="MaxStopSequences"/> of them (a note says so when there were more); nothing, with a note, for a
    /// reasoning model, which answers 400 "Unsupported parameter: 'stop'" (docs/compatibility.md).
    /// </summary>
    public static void WriteStop(Utf8JsonWriter json, JsonElement stops, bool reasoning, string field, TranslationNotes notes)
    {
        if (stops.ValueKind != JsonValueKind.Array || stops.GetArrayLength() == 0)
        {
            return;
        }

        if (reasoning)
        {
            notes.Add($"{field}: a reasoning model does not take it, left out");
            return;
        }

        var written = 0;
        var given = 0;
        foreach (var stop in stops.EnumerateArray())
        {
            if (stop.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            given++;
            if (written == MaxStopSequences)
            {
                continue;
            }

            if (written == 0)
            {
                json.WriteStartArray("stop"u8);
            }

            stop.WriteTo(json);
            written++;
        }

        if (written > 0)
        {
            json.WriteEndArray();
        }

        if (given > written)
        {
            notes.Add($"{field}: {given} given, the upstream takes at most {MaxStopSequences}, the first {MaxStopSequences} kept");
        }
    }

    /// <summary>
    /// The streaming fields of a pivot request: <c>stream</c>, the usage chunk at the end (unless the deployment refuses
    /// <c>stream_options</c>) and GLM's <c>tool_stream</c> when the request has tools (docs/compatibility.md). Nothing
    /// for a call that does not stream.
    /// </summary>
    public static void WriteStream(Utf8JsonWriter json, bool stream, bool omitStreamOptions, bool isGlm, bool hasTools)
    {
        if (!stream)
        {
            return;
        }

        json.WriteBoolean("stream"u8, true);
        if (!omitStreamOptions)
        {
            json.WriteStartObject("stream_options"u8);
            json.WriteBoolean("include_usage"u8, true);
            json.WriteEndObject();
        }

        if (isGlm && hasTools)
        {
            json.WriteBoolean("tool_stream"u8, true);
        }
    }
}
