using System.Text;
using System.Text.Json;

namespace Switchboard.Translation;

/// <summary>Tool-call arguments from OpenAI upstreams: a JSON text that may be empty, truncated or double-encoded.</summary>
internal static class ToolArguments
{
    /// <summary>Writes an Anthropic <c>input</c> object: empty → <c>{}</c>, truncated → completed, unparseable → wrapped.</summary>
    public static void WriteInput(Utf8JsonWriter json, string? arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            json.WriteStartObject();
            json.WriteEndObject();
            return;
        }

        if (TryParse(arguments, out var kind))
        {
            if (kind == JsonValueKind.Object)
            {
                json.WriteRawValue(arguments);
                return;
            }

            // Some models encode the arguments twice: a JSON string holding the object.
            if (kind == JsonValueKind.String)
            {
                var inner = JsonDocument.Parse(arguments).RootElement.GetString()!;
                if (TryParse(inner, out var innerKind) && innerKind == JsonValueKind.Object)
                {
                    json.WriteRawValue(inner);
                    return;
                }
            }
        }
        else if (CompletionSuffix(arguments) is { } suffix && TryParse(arguments + suffix, out var repaired)
                 && repaired == JsonValueKind.Object)
        {
            json.WriteRawValue(arguments + suffix);
            return;
        }

        json.WriteStartObject();
        json.WriteString("raw_arguments"u8, arguments);
        json.WriteEndObject();
    }

    /// <summary>Whether the text is exactly one JSON value (whitespace aside).</summary>
    public static bool TryParse(string text, out JsonValueKind kind)
    {
        try
        {
            // Parse, not ParseValue: text after the value (a repeated snapshot, say) makes it no JSON at all.
            using var document = JsonDocument.Parse(text);
            kind = document.RootElement.ValueKind;
            return true;
        }
        catch (JsonException)
        {
            kind = JsonValueKind.Undefined;
            return false;
        }
    }

    /// <summary>
    /// Whether some text appended to this one makes valid JSON. Strings and escapes are tracked (by
    /// <see cref="CompletionSuffix"/>), so brackets, quotes or backslashes inside a key or value count for nothing.
    /// </summary>
    public static bool IsViablePrefix(string text) =>
        TryParse(text, out _) || (CompletionSuffix(text) is { } suffix && TryParse(text + suffix, out _));

    /// <summary>
    /// The text that, appended, completes a truncated JSON value (close the string, finish a literal, close brackets).
    /// Appending is all a stream can still do once fragments have been forwarded. Null when nothing can be said.
    /// </summary>
    public static string? CompletionSuffix(string text)
    {
        var frames = new List<Frame>();
        var topLevelStarted = false;
        var inString = false;
        var escape = false;
        var unicodeLeft = 0;
        var bare = new StringBuilder();
        foreach (var c in text)
        {
            if (inString)
            {
                if (unicodeLeft > 0)
                {
                    unicodeLeft--;
                }
                else if (escape)
                {
                    escape = false;
                    unicodeLeft = c == 'u' ? 4 : 0;
                }
                else if (c == '\\')
                {
                    escape = true;
                }
                else if (c == '"')
                {
                    inString = false;
                    AfterString(frames);
                }

                continue;
            }

            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '+' or '.')
            {
                bare.Append(c);
                continue;
            }

            if (bare.Length > 0)
            {
                bare.Clear();
                AfterValue(frames);
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    topLevelStarted = true;
                    break;
                case '{':
                    frames.Add(new Frame(true, State.Start));
                    topLevelStarted = true;
                    break;
                case '[':
                    frames.Add(new Frame(false, State.Start));
                    topLevelStarted = true;
                    break;
                case '}' or ']':
                    if (frames.Count == 0)
                    {
                        return null;
                    }

                    frames.RemoveAt(frames.Count - 1);
                    AfterValue(frames);
                    break;
                case ':':
                    SetState(frames, State.Value);
                    break;
                case ',':
                    SetState(frames, State.AfterComma);
                    break;
                default:
                    break;
            }
        }

        var suffix = new StringBuilder();
        if (!topLevelStarted && bare.Length == 0)
        {
            return "{}";
        }

        if (inString)
        {
            if (escape)
            {
                suffix.Append('\\');
            }

            suffix.Append('0', unicodeLeft).Append('"');
            AfterString(frames);
        }
        else if (bare.Length > 0)
        {
            suffix.Append(CompleteLiteral(bare.ToString()));
            AfterValue(frames);
        }

        for (var i = frames.Count - 1; i >= 0; i--)
        {
            // A frame below the top holds the open child as its value.
            var frame = i < frames.Count - 1 ? frames[i] with { State = State.AfterValue } : frames[i];
            suffix.Append((frame.IsObject, frame.State) switch
            {
                (true, State.Key) => ":null}",
                (true, State.Value) => "null}",
                (true, State.AfterComma) => "\"\":null}",
                (true, _) => "}",
                (false, State.AfterComma) => "null]",
                (false, _) => "]",
            });
        }

        return suffix.ToString();
    }

    private static string CompleteLiteral(string bare)
    {
        foreach (var literal in (ReadOnlySpan<string>)["true", "false", "null"])
        {
            if (literal.StartsWith(bare, StringComparison.Ordinal))
            {
                return literal[bare.Length..];
            }
        }

        return bare[^1] is '-' or '+' or '.' or 'e' or 'E' ? "0" : "";
    }

    private static void AfterString(List<Frame> frames)
    {
        if (frames.Count > 0 && frames[^1] is { IsObject: true, State: State.Start or State.AfterComma })
        {
            SetState(frames, State.Key);
        }
        else
        {
            AfterValue(frames);
        }
    }

    private static void AfterValue(List<Frame> frames) => SetState(frames, State.AfterValue);

    private static void SetState(List<Frame> frames, State state)
    {
        if (frames.Count > 0)
        {
            frames[^1] = frames[^1] with { State = state };
        }
    }

    private enum State
    {
        Start,
        Key,
        Value,
        AfterValue,
        AfterComma,
    }

    private readonly record struct Frame(bool IsObject, State State);
}
