using System.Text.Json;

namespace Switchboard.MockProvider;

/// <summary>
/// The OpenAI Responses API's shapes (for deployments that list <c>/v1/responses</c> in <c>supported_endpoints</c>): the
/// same <see cref="MockAnswer"/> as chat completions, as a <c>response</c> object with <c>reasoning</c>, <c>message</c> and
/// <c>function_call</c> output items, and as the documented event stream (<c>response.created</c> … <c>response.completed</c>,
/// each event with its <c>sequence_number</c>).
/// </summary>
internal sealed class ResponsesWriter(SseWriter sse, MockAnswer answer, string model, string id, long created)
{
    private int _sequence;
    private Utf8JsonWriter? _event;

    public static void WriteResponse(Utf8JsonWriter w, MockAnswer answer, string model, string id, long created, bool done = true)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", created);
        w.WriteString("status", done ? "completed" : "in_progress");
        w.WriteNull("error");
        w.WriteNull("incomplete_details");
        w.WriteString("model", model);
        w.WriteStartArray("output");
        if (done)
        {
            var index = 0;
            foreach (var item in Items(answer))
            {
                WriteItem(w, answer, item, id, index++, done: true);
            }
        }

        w.WriteEndArray();
        if (done)
        {
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", answer.PromptTokens);
            w.WriteStartObject("input_tokens_details");
            w.WriteNumber("cached_tokens", 0);
            w.WriteEndObject();
            w.WriteNumber("output_tokens", answer.CompletionTokens);
            w.WriteStartObject("output_tokens_details");
            w.WriteNumber("reasoning_tokens", answer.Reasoning.Count);
            w.WriteEndObject();
            w.WriteNumber("total_tokens", answer.PromptTokens + answer.CompletionTokens);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("usage");
        }

        w.WriteEndObject();
    }

    /// <summary>The output items in order: -1 reasoning, -2 message, else the tool call's index.</summary>
    private static IEnumerable<int> Items(MockAnswer answer)
    {
        if (answer.Reasoning.Count > 0) yield return -1;
        if (answer.Content.Count > 0) yield return -2;
        for (var i = 0; i < answer.ToolCalls.Count; i++) yield return i;
    }

    private static void WriteItem(Utf8JsonWriter w, MockAnswer answer, int item, string id, int index, bool done)
    {
        w.WriteStartObject();
        w.WriteString("id", $"{(item == -1 ? "rs" : item == -2 ? "msg" : "fc")}_{id}_{index}");
        switch (item)
        {
            case -1:
                w.WriteString("type", "reasoning");
                w.WriteStartArray("summary");
                if (done)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "summary_text");
                    w.WriteString("text", answer.Reasoning.Text);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                break;
            case -2:
                w.WriteString("type", "message");
                w.WriteString("status", done ? "completed" : "in_progress");
                w.WriteString("role", "assistant");
                w.WriteStartArray("content");
                if (done) WriteTextPart(w, answer.Content.Text);
                w.WriteEndArray();
                break;
            default:
                var call = answer.ToolCalls[item];
                w.WriteString("type", "function_call");
                w.WriteString("status", done ? "completed" : "in_progress");
                w.WriteString("arguments", done ? call.Arguments.Text : "");
                w.WriteString("call_id", "call_" + call.IdSuffix);
                w.WriteString("name", call.Name);
                break;
        }

        w.WriteEndObject();
    }

    private static void WriteTextPart(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "output_text");
        w.WriteString("text", text);
        w.WriteStartArray("annotations");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The whole stream; stops early (false) when the client has gone.</summary>
    public async Task WriteStreamAsync(Func<int, CancellationToken, Task> pause, CancellationToken ct)
    {
        var w = Begin("response.created");
        w.WritePropertyName("response");
        WriteResponse(w, answer, model, id, created, done: false);
        if (!await EndAsync(ct)) return;
        w = Begin("response.in_progress");
        w.WritePropertyName("response");
        WriteResponse(w, answer, model, id, created, done: false);
        if (!await EndAsync(ct)) return;
        var index = 0;
        var sent = 0;
        foreach (var item in Items(answer))
        {
            w = Begin("response.output_item.added");
            w.WriteNumber("output_index", index);
            w.WritePropertyName("item");
            WriteItem(w, answer, item, id, index, done: false);
            if (!await EndAsync(ct)) return;
            var itemId = $"{(item == -1 ? "rs" : item == -2 ? "msg" : "fc")}_{id}_{index}";
            var pieces = item switch { -1 => answer.Reasoning, -2 => answer.Content, _ => answer.ToolCalls[item].Arguments };
            var delta = item switch { -1 => "response.reasoning_summary_text.delta", -2 => "response.output_text.delta", _ => "response.function_call_arguments.delta" };
            for (var i = 0; i < pieces.Count; i++)
            {
                await pause(sent++, ct);
                w = Begin(delta);
                w.WriteString("item_id", itemId);
                w.WriteNumber("output_index", index);
                if (item == -2) w.WriteNumber("content_index", 0);
                if (item == -1) w.WriteNumber("summary_index", 0);
                w.WriteString("delta", pieces[i]);
                if (!await EndAsync(ct)) return;
            }

            w = Begin(item switch { -1 => "response.reasoning_summary_text.done", -2 => "response.output_text.done", _ => "response.function_call_arguments.done" });
            w.WriteString("item_id", itemId);
            w.WriteNumber("output_index", index);
            if (item >= 0) w.WriteString("arguments", pieces.Text);
            else w.WriteString("text", pieces.Text);
            if (!await EndAsync(ct)) return;
            w = Begin("response.output_item.done");
            w.WriteNumber("output_index", index);
            w.WritePropertyName("item");
            WriteItem(w, answer, item, id, index++, done: true);
            if (!await EndAsync(ct)) return;
        }

        w = Begin("response.completed");
        w.WritePropertyName("response");
        WriteResponse(w, answer, model, id, created);
        await EndAsync(ct);
    }

    private Utf8JsonWriter Begin(string type)
    {
        var w = _event = sse.BeginEvent(System.Text.Encoding.UTF8.GetBytes(type));
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteNumber("sequence_number", _sequence++);
        return w;
    }

    /// <summary>Closes the event object <see cref="Begin"/> opened, then the event.</summary>
    private ValueTask<bool> EndAsync(CancellationToken ct)
    {
        _event!.WriteEndObject();
        return sse.EndAsync(ct);
    }
}
