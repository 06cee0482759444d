using System.Text.Json;

namespace Switchboard.MockProvider;

/// <summary>Anthropic Messages wire shapes: the whole message, each stream event's data, errors.</summary>
internal static class AnthropicWriter
{
    /// <summary>Not a real signature: it only has to come back unchanged with the next turn, which the mock never checks.</summary>
    public const string Signature = "bW9jay1zaWduYXR1cmU=";

    public static readonly byte[] RateLimited = Error("rate_limit_error", "Rate limit reached for requests (mock).");

    public static readonly byte[] ServerError = Error("api_error", "Internal server error (mock).");

    public static readonly byte[] Unavailable = Error("api_error", "Service unavailable (mock flaky key).");

    public static readonly byte[] Unauthorized = Error("authentication_error", "invalid x-api-key (mock)");

    public static readonly byte[] BadJson = Error("invalid_request_error", "The request body is not valid JSON (mock).");

    public static void WriteMessage(Utf8JsonWriter w, MockAnswer answer, string model, string id)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", model);
        w.WriteStartArray("content");
        if (answer.Reasoning.Count > 0)
        {
            w.WriteStartObject();
            w.WriteString("type", "thinking");
            w.WriteString("thinking", answer.Reasoning.Text);
            w.WriteString("signature", Signature);
            w.WriteEndObject();
        }

        if (answer.Content.Count > 0)
        {
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteString("text", answer.Content.Text);
            w.WriteEndObject();
        }

        foreach (var call in answer.ToolCalls)
        {
            w.WriteStartObject();
            w.WriteString("type", "tool_use");
            w.WriteString("id", "toolu_" + call.IdSuffix);
            w.WriteString("name", call.Name);
            w.WritePropertyName("input");
            w.WriteRawValue(call.Arguments.Text, skipInputValidation: true);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("stop_reason", StopReason(answer));
        w.WriteNull("stop_sequence");
        WriteUsage(w, answer.PromptTokens, answer.CompletionTokens);
        w.WriteEndObject();
    }

    public static string StopReason(MockAnswer answer) => answer.IsToolUse ? "tool_use" : "end_turn";

    /// <summary>
    /// <c>message_start</c>: output_tokens is 1 here, as Anthropic sends it; the true count comes in <c>message_delta</c>.
    /// </summary>
    public static void WriteMessageStart(Utf8JsonWriter w, MockAnswer answer, string model, string id)
    {
        w.WriteStartObject();
        w.WriteString("type", "message_start");
        w.WriteStartObject("message");
        w.WriteString("id", id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", model);
        w.WriteStartArray("content");
        w.WriteEndArray();
        w.WriteNull("stop_reason");
        w.WriteNull("stop_sequence");
        WriteUsage(w, answer.PromptTokens, 1);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static void WriteThinkingStart(Utf8JsonWriter w, int index)
    {
        StartBlock(w, index, "thinking");
        w.WriteString("thinking", "");
        w.WriteString("signature", "");
        EndBlockStart(w);
    }

    public static void WriteTextStart(Utf8JsonWriter w, int index)
    {
        StartBlock(w, index, "text");
        w.WriteString("text", "");
        EndBlockStart(w);
    }

    public static void WriteToolUseStart(Utf8JsonWriter w, int index, MockToolCall call)
    {
        StartBlock(w, index, "tool_use");
        w.WriteString("id", "toolu_" + call.IdSuffix);
        w.WriteString("name", call.Name);
        w.WriteStartObject("input");
        w.WriteEndObject();
        EndBlockStart(w);
    }

    /// <summary>A <c>content_block_delta</c> of <paramref name="deltaType"/> whose payload field is <paramref name="field"/>.</summary>
    public static void WriteDelta(Utf8JsonWriter w, int index, string deltaType, string field, ReadOnlySpan<char> value)
    {
        w.WriteStartObject();
        w.WriteString("type", "content_block_delta");
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        w.WriteString("type", deltaType);
        w.WriteString(field, value);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static void WriteBlockStop(Utf8JsonWriter w, int index)
    {
        w.WriteStartObject();
        w.WriteString("type", "content_block_stop");
        w.WriteNumber("index", index);
        w.WriteEndObject();
    }

    public static void WriteMessageDelta(Utf8JsonWriter w, MockAnswer answer)
    {
        w.WriteStartObject();
        w.WriteString("type", "message_delta");
        w.WriteStartObject("delta");
        w.WriteString("stop_reason", StopReason(answer));
        w.WriteNull("stop_sequence");
        w.WriteEndObject();
        w.WriteStartObject("usage");
        w.WriteNumber("output_tokens", answer.CompletionTokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static void WriteCountTokens(Utf8JsonWriter w, MockRequest request)
    {
        w.WriteStartObject();
        w.WriteNumber("input_tokens", request.PromptTokens);
        w.WriteEndObject();
    }

    private static void StartBlock(Utf8JsonWriter w, int index, string type)
    {
        w.WriteStartObject();
        w.WriteString("type", "content_block_start");
        w.WriteNumber("index", index);
        w.WriteStartObject("content_block");
        w.WriteString("type", type);
    }

    private static void EndBlockStart(Utf8JsonWriter w)
    {
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, int input, int output)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", input);
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", 0);
        w.WriteNumber("output_tokens", output);
        w.WriteEndObject();
    }

    private static byte[] Error(string type, string message) => MockJson.Build((type, message), static (w, s) =>
    {
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", s.type);
        w.WriteString("message", s.message);
        w.WriteEndObject();
        w.WriteEndObject();
    });
}
