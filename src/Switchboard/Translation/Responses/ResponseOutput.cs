using System.Globalization;
using System.Text;
using System.Text.Json;
using Switchboard.Protocols;

namespace Switchboard.Translation.Responses;

internal enum ResponseItemKind
{
    Reasoning,
    Message,
    FunctionCall,

    /// <summary>A call of a client <c>custom</c> tool: its text is the free-form <c>input</c>.</summary>
    CustomToolCall,
}

/// <summary>One output item of a response: its text (message text, reasoning summary or call arguments) grows as it streams.</summary>
internal sealed class ResponseOutputItem
{
    public required ResponseItemKind Kind { get; init; }

    public required string Id { get; init; }

    public StringBuilder Text { get; } = new();

    public string? CallId { get; set; }

    public string? Name { get; set; }

    public string? Namespace { get; set; }
}

/// <summary>
/// A <c>response</c> object being built: the same type serves the non-stream answer and the stream (whose
/// <c>response.completed</c> carries the whole response), so both write exactly the same object.
/// </summary>
internal sealed class ResponseOutput(string responseId, long createdAt, string model, ResponseEcho echo)
{
    private readonly string _idSuffix = responseId.StartsWith("resp_", StringComparison.Ordinal) ? responseId[5..] : responseId;

    public string ResponseId => responseId;

    public List<ResponseOutputItem> Items { get; } = [];

    /// <summary><c>in_progress</c>, <c>completed</c>, <c>incomplete</c> or <c>failed</c>.</summary>
    public string Status { get; set; } = "in_progress";

    /// <summary>With <c>incomplete</c>: <c>max_output_tokens</c> or <c>content_filter</c>.</summary>
    public string? IncompleteReason { get; set; }

    public (string Code, string Message)? Error { get; set; }

    public TokenUsage? Usage { get; set; }

    public int ReasoningTokens { get; set; }

    public ResponseOutputItem Add(ResponseItemKind kind)
    {
        var prefix = kind switch
        {
            ResponseItemKind.Reasoning => "rs_",
            ResponseItemKind.Message => "msg_",
            ResponseItemKind.CustomToolCall => "ctc_",
            _ => "fc_",
        };
        var item = new ResponseOutputItem { Kind = kind, Id = prefix + _idSuffix + "_" + Items.Count.ToString(CultureInfo.InvariantCulture) };
        Items.Add(item);
        return item;
    }

    /// <summary>A call id for a tool call the upstream sent without one.</summary>
    public string CallIdFor(int outputIndex) => "call_" + _idSuffix + "_" + outputIndex.ToString(CultureInfo.InvariantCulture);

    /// <summary>Sets the final status from the pivot's <c>finish_reason</c>.</summary>
    public void Finish(string? finishReason)
    {
        switch (finishReason)
        {
            case "length":
                Status = "incomplete";
                IncompleteReason = "max_output_tokens";
                break;
            case "content_filter" or "sensitive":
                Status = "incomplete";
                IncompleteReason = "content_filter";
                break;
            default:
                Status = "completed";
                break;
        }
    }

    /// <summary>
    /// Output tokens by the tokenizer when the upstream reported none: item by item, so that the figure does not depend on
    /// the order in which a stream opened interleaved tool calls.
    /// </summary>
    public int EstimateOutputTokens()
    {
        var tokens = 0;
        foreach (var item in Items)
        {
            tokens += Switchboard.Usage.TokenCounter.CountText(item.Name) + Switchboard.Usage.TokenCounter.CountText(item.Text.ToString());
        }

        return tokens;
    }

    public void WriteResponse(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, responseId);
        json.WriteString("object"u8, "response"u8);
        json.WriteNumber("created_at"u8, createdAt);
        json.WriteString("status"u8, Status);
        json.WriteBoolean("background"u8, false);
        if (Error is { } error)
        {
            json.WriteStartObject("error"u8);
            json.WriteString("code"u8, error.Code);
            json.WriteString("message"u8, error.Message);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("error"u8);
        }

        if (IncompleteReason is { } reason)
        {
            json.WriteStartObject("incomplete_details"u8);
            json.WriteString("reason"u8, reason);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("incomplete_details"u8);
        }

        json.WriteString("model"u8, model);
        json.WritePropertyName("output"u8);
        WriteItems(json);
        foreach (var (name, value) in echo.Fields)
        {
            json.WritePropertyName(name);
            json.WriteRawValue(value, skipInputValidation: true);
        }

        if (Usage is { } usage)
        {
            WriteUsage(json, usage, ReasoningTokens);
        }
        else
        {
            json.WriteNull("usage"u8);
        }

        json.WriteEndObject();
    }

    public void WriteItems(Utf8JsonWriter json)
    {
        json.WriteStartArray();
        foreach (var item in Items)
        {
            WriteItem(json, item, done: true);
        }

        json.WriteEndArray();
    }

    /// <summary>An item as <c>response.output_item.added</c> (<paramref name="done"/> false: empty, in progress) or done shows it.</summary>
    public static void WriteItem(Utf8JsonWriter json, ResponseOutputItem item, bool done)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, item.Id);
        switch (item.Kind)
        {
            case ResponseItemKind.Reasoning:
                json.WriteString("type"u8, "reasoning"u8);
                json.WriteStartArray("summary"u8);
                if (done)
                {
                    json.WriteStartObject();
                    json.WriteString("type"u8, "summary_text"u8);
                    json.WriteString("text"u8, item.Text.ToString());
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                break;
            case ResponseItemKind.Message:
                json.WriteString("type"u8, "message"u8);
                json.WriteString("status"u8, done ? "completed"u8 : "in_progress"u8);
                json.WriteString("role"u8, "assistant"u8);
                json.WriteStartArray("content"u8);
                if (done)
                {
                    WriteTextPart(json, item.Text.ToString());
                }

                json.WriteEndArray();
                break;
            case ResponseItemKind.CustomToolCall:
                json.WriteString("type"u8, "custom_tool_call"u8);
                json.WriteString("status"u8, done ? "completed"u8 : "in_progress"u8);
                json.WriteString("call_id"u8, item.CallId);
                json.WriteString("input"u8, done ? item.Text.ToString() : "");
                json.WriteString("name"u8, item.Name);
                if (item.Namespace is { } customNamespace)
                {
                    json.WriteString("namespace"u8, customNamespace);
                }

                break;
            default:
                json.WriteString("type"u8, "function_call"u8);
                json.WriteString("status"u8, done ? "completed"u8 : "in_progress"u8);
                json.WriteString("arguments"u8, done ? item.Text.ToString() : "");
                json.WriteString("call_id"u8, item.CallId);
                json.WriteString("name"u8, item.Name);
                if (item.Namespace is { } ns)
                {
                    json.WriteString("namespace"u8, ns);
                }

                break;
        }

        json.WriteEndObject();
    }

    public static void WriteTextPart(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "output_text"u8);
        json.WriteString("text"u8, text);
        json.WriteStartArray("annotations"u8);
        json.WriteEndArray();
        json.WriteStartArray("logprobs"u8);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter json, TokenUsage usage, int reasoningTokens)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("input_tokens"u8, usage.InputTokens);
        json.WriteStartObject("input_tokens_details"u8);
        json.WriteNumber("cached_tokens"u8, usage.CachedInputTokens);
        json.WriteEndObject();
        json.WriteNumber("output_tokens"u8, usage.OutputTokens);
        json.WriteStartObject("output_tokens_details"u8);
        json.WriteNumber("reasoning_tokens"u8, reasoningTokens);
        json.WriteEndObject();
        json.WriteNumber("total_tokens"u8, usage.InputTokens + usage.OutputTokens);
        json.WriteEndObject();
    }
}
