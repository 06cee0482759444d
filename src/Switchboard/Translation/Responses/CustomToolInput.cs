using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Switchboard.Translation.Responses;

/// <summary>
/// A Responses <c>custom</c> tool (free-form text input, such as Codex's <c>apply_patch</c>) rides the pivot as a function
/// with one string parameter, <c>input</c>: the arguments <c>{"input": "…"}</c> hold the text. This reads that text back,
/// whole (<see cref="FromArguments"/>) or as the argument fragments stream in (<see cref="Append"/>), so that the client's
/// <c>response.custom_tool_call_input.delta</c> events carry text, not JSON. Not thread-safe; one per streamed call.
/// </summary>
internal sealed class CustomToolInput
{
    public const string Parameter = "input";

    private readonly StringBuilder _key = new();
    private readonly StringBuilder _hex = new();
    private State _state;
    private bool _escape;
    private char _pendingHigh;

    private enum State
    {
        Open,
        KeyStart,
        Key,
        Colon,
        ValueStart,
        Value,
        Done,
        Lost,
    }

    /// <summary>The text an argument fragment adds; empty when it adds none yet, or once the arguments are not <c>{"input": "…"}</c>.</summary>
    public string Append(string? fragment)
    {
        if (string.IsNullOrEmpty(fragment) || _state is State.Done or State.Lost)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var c in fragment)
        {
            Step(c, text);
            if (_state == State.Lost)
            {
                return "";
            }
        }

        return text.ToString();
    }

    private void Step(char c, StringBuilder text)
    {
        switch (_state)
        {
            case State.Open:
                _state = char.IsWhiteSpace(c) ? State.Open : c == '{' ? State.KeyStart : State.Lost;
                break;
            case State.KeyStart:
                _state = char.IsWhiteSpace(c) ? State.KeyStart : c == '"' ? State.Key : State.Lost;
                break;
            case State.Key:
                if (c == '"')
                {
                    _state = _key.ToString() == Parameter ? State.Colon : State.Lost;
                }
                else
                {
                    _key.Append(c);
                }

                break;
            case State.Colon:
                _state = char.IsWhiteSpace(c) ? State.Colon : c == ':' ? State.ValueStart : State.Lost;
                break;
            case State.ValueStart:
                _state = char.IsWhiteSpace(c) ? State.ValueStart : c == '"' ? State.Value : State.Lost;
                break;
            case State.Value:
                Value(c, text);
                break;
            default:
                break;
        }
    }

    private void Value(char c, StringBuilder text)
    {
        if (_hex.Length > 0 || (_escape && c == 'u'))
        {
            if (_escape)
            {
                _escape = false;
                _hex.Append('u');
                return;
            }

            _hex.Append(c);
            if (_hex.Length == 5)
            {
                if (!int.TryParse(_hex.ToString(1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                {
                    _state = State.Lost;
                    return;
                }

                _hex.Clear();
                Emit((char)code, text);
            }

            return;
        }

        if (_escape)
        {
            _escape = false;
            char? decoded = c switch
            {
                '"' or '\\' or '/' => c,
                'b' => '\b',
                'f' => '\f',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                _ => null,
            };
            if (decoded is { } d)
            {
                Emit(d, text);
            }
            else
            {
                _state = State.Lost;
            }

            return;
        }

        switch (c)
        {
            case '\\':
                _escape = true;
                break;
            case '"':
                _state = State.Done;
                break;
            default:
                Emit(c, text);
                break;
        }
    }

    /// <summary>A high surrogate waits for its low half: a delta must never end in half a character.</summary>
    private void Emit(char c, StringBuilder text)
    {
        if (_pendingHigh != default)
        {
            text.Append(_pendingHigh);
            _pendingHigh = default;
        }

        if (char.IsHighSurrogate(c))
        {
            _pendingHigh = c;
            return;
        }

        text.Append(c);
    }

    /// <summary>
    /// The text of whole arguments: <c>input</c> when they are an object holding it as a string, else their only string
    /// property, else the arguments themselves (a model that wrote the text without the JSON wrapper).
    /// </summary>
    public static string FromArguments(string? arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return "";
        }

        try
        {
            using var document = JsonDocument.Parse(arguments);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty(Parameter, out var input) && input.ValueKind == JsonValueKind.String)
                {
                    return input.GetString()!;
                }

                string? only = null;
                var count = 0;
                foreach (var property in root.EnumerateObject())
                {
                    count++;
                    only = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                }

                if (count == 1 && only is not null)
                {
                    return only;
                }
            }
            else if (root.ValueKind == JsonValueKind.String)
            {
                return root.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        return arguments;
    }

    /// <summary>The pivot arguments that carry <paramref name="input"/> (a history item sent back upstream).</summary>
    public static string ToArguments(string input)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(input.Length + 16);
        using (var json = new Utf8JsonWriter(buffer, Protocols.Anthropic.JsonWriting.Options))
        {
            json.WriteStartObject();
            json.WriteString(Parameter, input);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
