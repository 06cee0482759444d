using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation.Responses;

/// <summary>
/// OpenAI Responses API request → the OpenAI chat pivot (architecture decision 12). Pure: bytes in, bytes out. Liberal in
/// what it accepts (unknown items, parts, built-in tools and fields are left out or kept as text, with a note), exact in
/// what it sends (only fields a chat-completions upstream knows, per deployment: GLM's <c>thinking</c> switch, OpenAI's
/// <c>reasoning_effort</c>). The policy, field by field, is in docs/compatibility.md.
/// </summary>
internal static partial class ResponsesRequestTranslator
{
    /// <summary>Top-level fields read below or deliberately not forwarded without a note.</summary>
    private static readonly FrozenSet<string> s_known = FrozenSet.ToFrozenSet(
    [
        "model", "input", "instructions", "stream", "tools", "tool_choice", "parallel_tool_calls", "max_output_tokens",
        "temperature", "top_p", "reasoning", "text", "metadata", "user", "prompt_cache_key", "store", "previous_response_id",
        "include", "client_metadata", "stream_options", "truncation", "service_tier", "safety_identifier",
    ], StringComparer.Ordinal);

    /// <param name="json">The client's Responses request body.</param>
    /// <param name="history">
    /// The stored conversation of <c>previous_response_id</c> (a JSON array of items), or empty when none.
    /// </param>
    public static ResponsesRequest ToPivot(ReadOnlySpan<byte> json, ReadOnlySpan<byte> history, in AnthropicToOpenAiOptions options)
    {
        using var document = JsonInput.Parse(json, "The request body");
        JsonDocument? historyDocument = null;
        try
        {
            if (!history.IsEmpty)
            {
                historyDocument = JsonDocument.Parse(history.ToArray());
            }

            return Translate(document.RootElement, historyDocument?.RootElement, json.Length, options);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw JsonInput.NotUnicode(e);
        }
        finally
        {
            historyDocument?.Dispose();
        }
    }

    private static ResponsesRequest Translate(JsonElement root, JsonElement? history, int inputLength, in AnthropicToOpenAiOptions options)
    {
        var requestedModel = root.GetString("model") ?? throw new TranslationException("Missing required parameter: 'model'.");
        CheckTypes(root);
        var hasInput = root.TryGetProperty("input", out var input) && input.ValueKind != JsonValueKind.Null;
        if (!hasInput && history is null)
        {
            throw new TranslationException("Missing required parameter: 'input'.");
        }

        if (hasInput && input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            throw new TranslationException("Invalid type for 'input': expected a string or an array of input items.");
        }

        var stream = root.IsTrue("stream");
        var names = new ResponsesToolNames();
        var notes = new TranslationNotes();
        var buffer = new ArrayBufferWriter<byte>(inputLength + 256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            json.WriteStartObject();
            json.WriteString("model"u8, options.UpstreamModel);
            var conversation = new ResponsesConversation(json, names, notes, options.IsGlm);
            conversation.WriteAll(root, history, hasInput ? input : default);
            WriteSampling(json, root, options, notes);
            var hasTools = WriteTools(json, root, names, options.IsGlm, notes);
            WriteTextFormat(json, root, notes);
            PivotSampling.WriteStream(json, stream, options.OmitStreamOptions, options.IsGlm, hasTools);

            if (!options.IsGlm && root.GetString("user") is { } user)
            {
                json.WriteString("user"u8, user);
            }

            WriteReasoning(json, root, options, notes);
            json.WriteEndObject();
        }

        notes.AddUnknownFields(root, s_known, "not a chat-completions field");

        notes.LogTo(options.Logger, "responses→openai");
        return new ResponsesRequest
        {
            Body = buffer.WrittenSpan.ToArray(),
            Stream = stream,
            RequestedModel = requestedModel,
            SessionId = root.GetString("prompt_cache_key") ?? root.GetString("user"),
            Store = !(root.TryGetProperty("store", out var store) && store.ValueKind == JsonValueKind.False),
            PreviousResponseId = root.GetString("previous_response_id"),
            ToolNames = names.Count == 0 ? ResponsesToolNames.Empty : names,
            Echo = EchoOf(root),
            InputItems = InputItemsOf(history, hasInput ? input : default),
            Notes = notes.Items,
        };
    }

    /// <summary>What the client itself got wrong is refused (architecture decision 9), in OpenAI's words.</summary>
    private static void CheckTypes(JsonElement root)
    {
        Expect(root, "instructions", "a string", JsonValueKind.String);
        Expect(root, "tools", "an array of tools", JsonValueKind.Array);
        Expect(root, "max_output_tokens", "an integer", JsonValueKind.Number);
        Expect(root, "temperature", "a number", JsonValueKind.Number);
        Expect(root, "top_p", "a number", JsonValueKind.Number);
        Expect(root, "previous_response_id", "a string", JsonValueKind.String);
        Expect(root, "reasoning", "an object", JsonValueKind.Object);
        Expect(root, "text", "an object", JsonValueKind.Object);
        Expect(root, "metadata", "an object", JsonValueKind.Object);
        Expect(root, "prompt_cache_key", "a string", JsonValueKind.String);
        if (root.TryGetProperty("stream", out var stream) && stream.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
        {
            throw new TranslationException("Invalid type for 'stream': expected a boolean.");
        }

        if (root.TryGetProperty("store", out var store) && store.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
        {
            throw new TranslationException("Invalid type for 'store': expected a boolean.");
        }

        if (root.TryGet("max_output_tokens", JsonValueKind.Number, out var max) && (!max.TryGetInt64(out var n) || n < 1))
        {
            throw new TranslationException("Invalid 'max_output_tokens': expected an integer of at least 1.");
        }
    }

    private static void Expect(JsonElement root, string name, string what, JsonValueKind kind)
    {
        if (root.TryGetProperty(name, out var value) && value.ValueKind != kind && value.ValueKind != JsonValueKind.Null)
        {
            throw new TranslationException($"Invalid type for '{name}': expected {what}.");
        }
    }

    private static bool IsReasoning(in AnthropicToOpenAiOptions options) =>
        PivotSampling.IsReasoning(options.IsGlm, options.ReasoningModel, options.UpstreamModel);

    private static void WriteSampling(Utf8JsonWriter json, JsonElement root, in AnthropicToOpenAiOptions options, TranslationNotes notes)
    {
        var reasoning = IsReasoning(options);
        PivotSampling.WriteMaxTokens(json, root.TryGet("max_output_tokens", JsonValueKind.Number, out var maxTokens) ? maxTokens : default, reasoning, options.MaxOutputTokens);
        PivotSampling.WriteTemperatureAndTopP(json,
            root.TryGet("temperature", JsonValueKind.Number, out var temperature) ? temperature : default,
            root.TryGet("top_p", JsonValueKind.Number, out var topP) ? topP : default,
            reasoning, options.IsGlm, notes);
    }

    /// <summary>
    /// <c>reasoning.effort</c> → GLM's on/off <c>thinking</c> switch, or OpenAI's <c>reasoning_effort</c> for its reasoning
    /// models; other models would refuse either, so they get neither. <c>reasoning.summary</c> needs nothing upstream: the
    /// upstream's reasoning text is the summary.
    /// </summary>
    private static void WriteReasoning(Utf8JsonWriter json, JsonElement root, in AnthropicToOpenAiOptions options, TranslationNotes notes)
    {
        var effort = root.TryGet("reasoning", JsonValueKind.Object, out var reasoning) ? reasoning.GetString("effort") : null;
        if (effort is null)
        {
            return;
        }

        if (options.IsGlm)
        {
            json.WriteStartObject("thinking"u8);
            json.WriteString("type"u8, effort is "none" or "minimal" ? "disabled"u8 : "enabled"u8);
            json.WriteEndObject();
            return;
        }

        if (!IsReasoning(options))
        {
            return;
        }

        var reasoningEffort = effort switch
        {
            "none" or "minimal" or "low" or "medium" or "high" => effort,
            "xhigh" or "max" => "high",
            _ => null,
        };
        if (reasoningEffort is not null)
        {
            json.WriteString("reasoning_effort"u8, reasoningEffort);
        }
        else
        {
            notes.Add($"reasoning.effort {JsonInput.Quote(effort, 64)}: unknown, left out");
        }
    }

    /// <summary><c>text.format</c> (json_schema, json_object) → <c>response_format</c>; <c>text.verbosity</c> has no chat twin.</summary>
    private static void WriteTextFormat(Utf8JsonWriter json, JsonElement root, TranslationNotes notes)
    {
        if (!root.TryGet("text", JsonValueKind.Object, out var text))
        {
            return;
        }

        if (text.TryGetProperty("verbosity", out _))
        {
            notes.Add("text.verbosity: no chat-completions field, left out");
        }

        if (!text.TryGet("format", JsonValueKind.Object, out var format))
        {
            return;
        }

        switch (format.GetString("type"))
        {
            case "json_schema":
                json.WriteStartObject("response_format"u8);
                json.WriteString("type"u8, "json_schema"u8);
                json.WriteStartObject("json_schema"u8);
                json.WriteString("name"u8, format.GetString("name") ?? "response");
                if (format.GetString("description") is { } description)
                {
                    json.WriteString("description"u8, description);
                }

                if (format.TryGet("schema", JsonValueKind.Object, out var schema))
                {
                    json.WritePropertyName("schema"u8);
                    schema.WriteTo(json);
                }

                if (format.TryGetProperty("strict", out var strict) && strict.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    json.WriteBoolean("strict"u8, strict.ValueKind == JsonValueKind.True);
                }

                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case "json_object":
                json.WriteStartObject("response_format"u8);
                json.WriteString("type"u8, "json_object"u8);
                json.WriteEndObject();
                break;
            case "text" or null:
                break;
            case var other:
                notes.Add($"text.format.type {JsonInput.Quote(other, 64)}: unknown, left out");
                break;
        }
    }

    /// <summary>The history, then this request's input, as one JSON array of items (a string input becomes a user message).</summary>
    private static byte[] InputItemsOf(JsonElement? history, JsonElement input)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            json.WriteStartArray();
            if (history is { ValueKind: JsonValueKind.Array } items)
            {
                foreach (var item in items.EnumerateArray())
                {
                    item.WriteTo(json);
                }
            }

            if (input.ValueKind == JsonValueKind.String)
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "message"u8);
                json.WriteString("role"u8, "user"u8);
                json.WriteStartArray("content"u8);
                json.WriteStartObject();
                json.WriteString("type"u8, "input_text"u8);
                json.WriteString("text"u8, input.GetString());
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            else if (input.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in input.EnumerateArray())
                {
                    item.WriteTo(json);
                }
            }

            json.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The fields a response object repeats, as the client sent them, or the API's defaults.</summary>
    private static ResponseEcho EchoOf(JsonElement root)
    {
        var fields = new List<(string, byte[])>(16);
        Echo(fields, root, "instructions", "null"u8);
        Echo(fields, root, "max_output_tokens", "null"u8);
        Echo(fields, root, "metadata", "{}"u8);
        Echo(fields, root, "parallel_tool_calls", "true"u8);
        Echo(fields, root, "previous_response_id", "null"u8);
        Echo(fields, root, "prompt_cache_key", "null"u8);
        Echo(fields, root, "reasoning", "{\"effort\":null,\"summary\":null}"u8);
        Echo(fields, root, "store", "true"u8);
        Echo(fields, root, "temperature", "1"u8);
        Echo(fields, root, "text", "{\"format\":{\"type\":\"text\"}}"u8);
        Echo(fields, root, "tool_choice", "\"auto\""u8);
        Echo(fields, root, "tools", "[]"u8);
        Echo(fields, root, "top_p", "1"u8);
        Echo(fields, root, "truncation", "\"disabled\""u8);
        Echo(fields, root, "user", "null"u8);
        return new ResponseEcho(fields);
    }

    private static void Echo(List<(string, byte[])> fields, JsonElement root, string name, ReadOnlySpan<byte> fallback)
    {
        if (root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            var buffer = new ArrayBufferWriter<byte>(64);
            using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
            {
                value.WriteTo(json);
            }

            fields.Add((name, buffer.WrittenSpan.ToArray()));
        }
        else
        {
            fields.Add((name, fallback.ToArray()));
        }
    }

    /// <summary>The top-level <c>previous_response_id</c> string, skimmed without parsing the body; null when absent or not a string.</summary>
    public static string? PreviousResponseId(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueTextEquals("previous_response_id"u8);
                reader.Read();
                if (match)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
        }

        return null;
    }

    /// <summary>The request's input tokens by the project's tokenizer (its pivot form, history of a previous response aside).</summary>
    public static int CountInputTokens(ReadOnlySpan<byte> json)
    {
        var pivot = ToPivot(json, [], new AnthropicToOpenAiOptions { UpstreamModel = "gpt-4o" });
        return RequestTokens.CountOpenAiRequest(pivot.Body);
    }
}
