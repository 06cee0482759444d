using System.Text;
using System.Text.Json;

namespace Switchboard.Translation;

/// <summary>A piece of a pivot user message: text, or an image by URL (a data URL for inline bytes).</summary>
internal readonly record struct UserPart(string Value, string? ImageUrl)
{
    public static UserPart Text(string text) => new(text, null);

    public static UserPart Image(string url) => new("", url);
}

/// <summary>
/// What the translators to and from the pivot do alike (Anthropic, Responses, Gemini; architecture decision 12): write a
/// user, plain or assistant message (with its tool calls), join texts into one, read an answer message's text.
/// </summary>
internal static class PivotMessages
{
    /// <summary>
    /// A <c>user</c> message: its text as one string (parts joined by newlines) when it holds no image, which every
    /// OpenAI-compatible upstream takes; else an array of <c>text</c> and <c>image_url</c> parts.
    /// </summary>
    public static void WriteUser(Utf8JsonWriter json, List<UserPart> parts)
    {
        json.WriteStartObject();
        json.WriteString("role"u8, "user"u8);
        if (parts.TrueForAll(p => p.ImageUrl is null))
        {
            json.WriteString("content"u8, string.Join("\n", parts.ConvertAll(p => p.Value)));
        }
        else
        {
            json.WriteStartArray("content"u8);
            foreach (var part in parts)
            {
                json.WriteStartObject();
                if (part.ImageUrl is { } url)
                {
                    json.WriteString("type"u8, "image_url"u8);
                    json.WriteStartObject("image_url"u8);
                    json.WriteString("url"u8, url);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteString("type"u8, "text"u8);
                    json.WriteString("text"u8, part.Value);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    /// <summary>A message of one role with plain text content (a system prompt, a tool result).</summary>
    public static void WriteSimple(Utf8JsonWriter json, string role, string content)
    {
        json.WriteStartObject();
        json.WriteString("role"u8, role);
        json.WriteString("content"u8, content);
        json.WriteEndObject();
    }

    /// <summary>
    /// Opens an <c>assistant</c> message: its text (null content when it only calls tools, which every upstream takes; an
    /// empty string when it has reasoning alone) and the reasoning GLM wants back with the next turn's tool results.
    /// The caller writes the tool calls (<see cref="WriteToolCall"/> inside a <c>tool_calls</c> array) and ends the object.
    /// </summary>
    public static void WriteAssistantStart(Utf8JsonWriter json, StringBuilder? text, StringBuilder? reasoning, bool hasToolCalls)
    {
        json.WriteStartObject();
        json.WriteString("role"u8, "assistant"u8);
        if (text is null && hasToolCalls)
        {
            json.WriteNull("content"u8);
        }
        else
        {
            json.WriteString("content"u8, text?.ToString() ?? "");
        }

        if (reasoning is not null)
        {
            json.WriteString("reasoning_content"u8, reasoning.ToString());
        }
    }

    /// <summary>One entry of an assistant message's <c>tool_calls</c>: a function call with its arguments as a JSON string.</summary>
    public static void WriteToolCall(Utf8JsonWriter json, string? id, string name, string arguments)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, id);
        json.WriteString("type"u8, "function"u8);
        json.WriteStartObject("function"u8);
        json.WriteString("name"u8, name);
        json.WriteString("arguments"u8, arguments);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>
    /// A pivot answer message's text: its <c>content</c> string, or the text of its parts joined; when it has none, its
    /// <c>refusal</c> (OpenAI's words for a declined answer, which the client must see); null when it has neither.
    /// </summary>
    public static string? ContentText(JsonElement message) =>
        OwnText(message) is { Length: > 0 } text ? text : message.GetString("refusal") is { Length: > 0 } refusal ? refusal : null;

    /// <summary>Whether the message's only words are its <c>refusal</c>.</summary>
    public static bool IsRefusal(JsonElement message) =>
        OwnText(message) is not { Length: > 0 } && message.GetString("refusal") is { Length: > 0 };

    private static string? OwnText(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            return null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.GetString("text") is { } partText)
            {
                text.Append(partText);
            }
        }

        return text.ToString();
    }

    /// <summary>Appends <paramref name="paragraph"/> after a blank line (nothing for an empty one).</summary>
    public static void AppendParagraph(StringBuilder text, string paragraph)
    {
        if (paragraph.Length == 0)
        {
            return;
        }

        if (text.Length > 0)
        {
            text.Append("\n\n");
        }

        text.Append(paragraph);
    }

    /// <summary>Appends <paramref name="line"/> on a line of its own (nothing for a null or empty one).</summary>
    public static void AppendLine(StringBuilder text, string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        if (text.Length > 0)
        {
            text.Append('\n');
        }

        text.Append(line);
    }
}
