using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation;

/// <summary>
/// Anthropic Messages request → OpenAI Chat Completions request. Pure: bytes in, bytes out. Liberal in what it
/// accepts (unknown roles, blocks, tools and fields become text or are left out, with a note), exact in what it sends
/// (only fields the upstream knows). The policy, field by field, is in docs/compatibility.md.
/// </summary>
internal static partial class AnthropicRequestTranslator
{
    /// <summary>Top-level fields read below; any other is left out with a note (context_management, container…).</summary>
    private static readonly FrozenSet<string> s_known = FrozenSet.ToFrozenSet(
    [
        "model", "messages", "system", "max_tokens", "stream", "temperature", "top_p", "stop_sequences", "tools",
        "tool_choice", "thinking", "output_config", "metadata",
    ], StringComparer.Ordinal);

    public static TranslatedRequest ToOpenAi(ReadOnlySpan<byte> anthropicJson, in AnthropicToOpenAiOptions options)
    {
        using var document = JsonInput.Parse(anthropicJson, "The request body");
        try
        {
            return Translate(document.RootElement, anthropicJson.Length, options);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw JsonInput.NotUnicode(e);
        }
    }

    private static TranslatedRequest Translate(JsonElement root, int inputLength, in AnthropicToOpenAiOptions options)
    {
        if (!root.TryGet("messages", JsonValueKind.Array, out var messages))
        {
            throw new TranslationException("messages: field required (an array of messages).");
        }

        var requestedModel = root.GetString("model") ?? throw new TranslationException("model: field required.");
        var stream = root.IsTrue("stream");
        var names = new ToolNameMap();
        var notes = new TranslationNotes();
        var buffer = new ArrayBufferWriter<byte>(inputLength + 256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            json.WriteStartObject();
            json.WriteString("model"u8, options.UpstreamModel);
            WriteMessages(json, root, messages, names, notes, mergeLateSystem: options.IsGlm);
            WriteSampling(json, root, options, notes);
            var hasTools = WriteTools(json, root, names, options.IsGlm, notes);
            PivotSampling.WriteStream(json, stream, options.OmitStreamOptions, options.IsGlm, hasTools);

            WriteReasoning(json, root, options, notes);
            json.WriteEndObject();
        }

        notes.AddUnknownFields(root, s_known, "not an OpenAI field");

        string? sessionId = null;
        if (root.TryGet("metadata", JsonValueKind.Object, out var metadata))
        {
            sessionId = metadata.GetString("user_id");
        }

        notes.LogTo(options.Logger, "anthropic→openai");
        return new TranslatedRequest
        {
            Body = buffer.WrittenSpan.ToArray(),
            Stream = stream,
            RequestedModel = requestedModel,
            SessionId = sessionId,
            ToolNames = names.Count == 0 ? ToolNameMap.Empty : names,
            Notes = notes.Items,
        };
    }

    private static bool IsReasoning(in AnthropicToOpenAiOptions options) =>
        PivotSampling.IsReasoning(options.IsGlm, options.ReasoningModel, options.UpstreamModel);

    private static void WriteSampling(Utf8JsonWriter json, JsonElement root, in AnthropicToOpenAiOptions options, TranslationNotes notes)
    {
        var reasoning = IsReasoning(options);
        PivotSampling.WriteMaxTokens(json, root.TryGet("max_tokens", JsonValueKind.Number, out var maxTokens) ? maxTokens : default, reasoning, options.MaxOutputTokens);
        PivotSampling.WriteTemperatureAndTopP(json,
            root.TryGetProperty("temperature", out var temperature) ? temperature : default,
            root.TryGetProperty("top_p", out var topP) ? topP : default,
            reasoning, options.IsGlm, notes);

        PivotSampling.WriteStop(json, root.TryGet("stop_sequences", JsonValueKind.Array, out var stops) ? stops : default,
            reasoning, "stop_sequences", notes);
    }

    /// <summary>
    /// Anthropic's <c>thinking</c> (enabled with a budget, adaptive, disabled) and <c>output_config.effort</c> have no
    /// exact OpenAI twin. GLM takes an on/off switch; OpenAI reasoning models take <c>reasoning_effort</c>; other
    /// models would refuse either, so they get neither.
    /// </summary>
    private static void WriteReasoning(Utf8JsonWriter json, JsonElement root, in AnthropicToOpenAiOptions options, TranslationNotes notes)
    {
        var thinking = root.TryGet("thinking", JsonValueKind.Object, out var t) ? t.GetString("type") : null;
        var effort = root.TryGet("output_config", JsonValueKind.Object, out var outputConfig) ? outputConfig.GetString("effort") : null;
        if (options.IsGlm)
        {
            // Adaptive means "think when it helps": GLM 4.5+ decides that itself once thinking is enabled.
            var glm = thinking switch
            {
                "enabled" or "adaptive" => "enabled",
                "disabled" => "disabled",
                _ => null,
            };
            if (glm is not null)
            {
                json.WriteStartObject("thinking"u8);
                json.WriteString("type"u8, glm);
                json.WriteEndObject();
            }
            else if (thinking is not null)
            {
                notes.Add($"thinking.type {JsonInput.Quote(thinking, 64)}: unknown, left out");
            }

            return;
        }

        if (thinking is "disabled" || !IsReasoning(options))
        {
            return;
        }

        // OpenAI accepts minimal/low/medium/high (minimal only on some models); Anthropic's max/xhigh are "as much as you can".
        var reasoningEffort = effort switch
        {
            "minimal" or "low" => "low",
            "medium" => "medium",
            "high" or "xhigh" or "max" => "high",
            _ => null,
        };
        if (reasoningEffort is not null)
        {
            json.WriteString("reasoning_effort"u8, reasoningEffort);
        }
        else if (effort is not null)
        {
            notes.Add($"output_config.effort {JsonInput.Quote(effort, 64)}: unknown, left out");
        }
    }
}
