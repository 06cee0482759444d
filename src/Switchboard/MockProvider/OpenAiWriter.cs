using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;

namespace Switchboard.MockProvider;

/// <summary>OpenAI wire shapes: chat completions (whole and chunks), legacy completions, embeddings, models, errors.</summary>
internal static class OpenAiWriter
{
    public static readonly byte[] RateLimited = """
        {"error":{"message":"Rate limit reached for requests (mock). Please try again in 30s.","type":"requests","param":null,"code":"rate_limit_exceeded"}}
        """u8.ToArray();

    public static readonly byte[] ServerError = """
        {"error":{"message":"The server had an error while processing your request (mock).","type":"server_error","param":null,"code":null}}
        """u8.ToArray();

    public static readonly byte[] Unavailable = """
        {"error":{"message":"The engine is currently overloaded, please try again later (mock flaky key).","type":"server_error","param":null,"code":null}}
        """u8.ToArray();

    public static readonly byte[] Unauthorized = """
        {"error":{"message":"Incorrect API key provided (mock).","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}
        """u8.ToArray();

    public static readonly byte[] BadJson = """
        {"error":{"message":"We could not parse the JSON body of your request (mock).","type":"invalid_request_error","param":null,"code":null}}
        """u8.ToArray();

    public static readonly byte[] NotFound = """
        {"error":{"message":"Unknown path (mock provider).","type":"invalid_request_error","param":null,"code":"unknown_url"}}
        """u8.ToArray();

    private static readonly string[] ModelIds =
        ["glm-4.5", "glm-4.5-air", "glm-4.6", "glm-4.7", "mock-model", "gpt-4o-mini", "text-embedding-3-small", "claude-sonnet-4-5"];

    /// <summary>
    /// Both SDKs read this one list: the OpenAI fields (<c>object</c>, <c>owned_by</c>) and Anthropic's (<c>type</c>,
    /// <c>display_name</c>, <c>has_more</c>) side by side, since each ignores the other's.
    /// </summary>
    public static readonly byte[] Models = BuildModels();

    public static void WriteChatCompletion(Utf8JsonWriter w, MockAnswer answer, string model, string id, long created)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        if (answer.IsToolUse) w.WriteNull("content");
        else w.WriteString("content", answer.Content.Text);
        if (answer.Reasoning.Count > 0) w.WriteString("reasoning_content", answer.Reasoning.Text);
        if (answer.IsToolUse)
        {
            w.WriteStartArray("tool_calls");
            foreach (var call in answer.ToolCalls)
            {
                w.WriteStartObject();
                w.WriteString("id", "call_" + call.IdSuffix);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", call.Name);
                w.WriteString("arguments", call.Arguments.Text);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteString("finish_reason", FinishReason(answer));
        w.WriteEndObject();
        w.WriteEndArray();
        WriteUsage(w, answer);
        w.WriteEndObject();
    }

    public static string FinishReason(MockAnswer answer) => answer.IsToolUse ? "tool_calls" : "stop";

    /// <summary>
    /// The extra top-level chunk field that <c>x-mock-stamp: 1</c> asks for: <see cref="Stopwatch.GetTimestamp"/> when the
    /// chunk was written, just before its flush. On Linux that is CLOCK_MONOTONIC, comparable across processes on one host,
    /// so a client (bench/StreamLatency) can tell how long each event took to reach it, directly or through a proxy.
    /// </summary>
    public const string SentTicksField = "mock_sent_ticks";

    /// <summary>Opens a chunk up to the inside of <c>delta</c>; the first chunk of a stream carries the role.</summary>
    /// <param name="stamp">Adds <see cref="SentTicksField"/> (only when the request asked with <c>x-mock-stamp</c>).</param>
    public static void StartChunk(Utf8JsonWriter w, string id, long created, string model, bool first, bool stamp = false)
    {
        StartChunkEnvelope(w, id, created, model, stamp);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("delta");
        if (first) w.WriteString("role", "assistant");
    }

    /// <summary>Closes what <see cref="StartChunk"/> opened.</summary>
    public static void EndChunk(Utf8JsonWriter w, string? finishReason)
    {
        w.WriteEndObject();
        if (finishReason is null) w.WriteNull("finish_reason");
        else w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>One tool-call fragment; id, type and name only on a call's first fragment, as OpenAI sends them.</summary>
    public static void WriteToolDelta(Utf8JsonWriter w, int index, MockToolCall call, int fragment)
    {
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        if (fragment == 0)
        {
            w.WriteString("id", "call_" + call.IdSuffix);
            w.WriteString("type", "function");
        }

        w.WriteStartObject("function");
        if (fragment == 0) w.WriteString("name", call.Name);
        w.WriteString("arguments", call.Arguments[fragment]);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    /// <summary>The <c>stream_options.include_usage</c> chunk: no choices, only usage.</summary>
    public static void WriteUsageChunk(Utf8JsonWriter w, MockAnswer answer, string id, long created, string model, bool stamp = false)
    {
        StartChunkEnvelope(w, id, created, model, stamp);
        w.WriteStartArray("choices");
        w.WriteEndArray();
        WriteUsage(w, answer);
        w.WriteEndObject();
    }

    public static void WriteTextCompletion(Utf8JsonWriter w, MockAnswer answer, string model, string id, long created)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "text_completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteStartArray("choices");
        WriteTextChoice(w, answer.Content.Text, "stop");
        w.WriteEndArray();
        WriteUsage(w, answer);
        w.WriteEndObject();
    }

    public static void WriteTextCompletionChunk(
        Utf8JsonWriter w, ReadOnlySpan<char> text, string? finishReason, string model, string id, long created)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "text_completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteStartArray("choices");
        WriteTextChoice(w, text, finishReason);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Deterministic unit vectors from each input's hash; base64 is little-endian float32, as OpenAI encodes it.</summary>
    public static void WriteEmbeddings(Utf8JsonWriter w, MockRequest request)
    {
        var dimensions = request.Dimensions > 0 ? Math.Min(request.Dimensions, 65536) : 8;
        var vector = new float[dimensions];
        var bytes = request.Base64 ? new byte[dimensions * sizeof(float)] : [];
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            FillVector(request.Inputs[i], vector);
            w.WriteStartObject();
            w.WriteString("object", "embedding");
            w.WriteNumber("index", i);
            if (request.Base64)
            {
                for (var d = 0; d < dimensions; d++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(d * sizeof(float)), vector[d]);
                }

                w.WriteBase64String("embedding", bytes);
            }
            else
            {
                w.WriteStartArray("embedding");
                foreach (var value in vector) w.WriteNumberValue(value);
                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("model", request.Model);
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", request.PromptTokens);
        w.WriteNumber("total_tokens", request.PromptTokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal static void FillVector(string input, Span<float> vector)
    {
        // FNV-1a seeds xorshift64: same input, same vector, in every process.
        var state = 14695981039346656037UL;
        foreach (var c in input) state = (state ^ c) * 1099511628211UL;
        if (state == 0) state = 1;
        double norm = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            vector[i] = (float)(((state >> 11) / (double)(1UL << 53)) * 2 - 1);
            norm += vector[i] * (double)vector[i];
        }

        var scale = norm > 0 ? (float)(1 / Math.Sqrt(norm)) : 0f;
        for (var i = 0; i < vector.Length; i++) vector[i] *= scale;
    }

    private static void StartChunkEnvelope(Utf8JsonWriter w, string id, long created, string model, bool stamp)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        if (stamp) w.WriteNumber(SentTicksField, Stopwatch.GetTimestamp());
    }

    private static void WriteTextChoice(Utf8JsonWriter w, ReadOnlySpan<char> text, string? finishReason)
    {
        w.WriteStartObject();
        w.WriteString("text", text);
        w.WriteNumber("index", 0);
        w.WriteNull("logprobs");
        if (finishReason is null) w.WriteNull("finish_reason");
        else w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, MockAnswer answer)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", answer.PromptTokens);
        w.WriteNumber("completion_tokens", answer.CompletionTokens);
        w.WriteNumber("total_tokens", answer.PromptTokens + answer.CompletionTokens);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static byte[] BuildModels() => MockJson.Build(ModelIds, static (w, ids) =>
        Protocols.ModelList.Write(w, ids, "mock-provider", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)));
}
