using System.Text.Json;

namespace Switchboard.Upstream;

/// <summary>
/// Checks a 2xx non-stream answer before it is trusted (architecture decision 10): a CDN's HTML page, a truncated or empty body,
/// or JSON of the wrong shape is an upstream failure, retried on another deployment while nothing has reached the client.
/// A skim with <see cref="Utf8JsonReader"/> (the whole body is validated, nothing is materialised); its cost is in
/// docs/benchmarks.md.
/// </summary>
internal static class AnswerCheck
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 256, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>The reason given for a 2xx whose JSON is an error object: the body is then classified like an error answer.</summary>
    public const string ErrorBody = "the upstream answered HTTP 2xx with an error body";

    /// <summary>The top-level member an answer must have, chosen by the upstream path it came from.</summary>
    public static AnswerShape ShapeOf(string upstreamPath) => upstreamPath switch
    {
        "/v1/messages" => AnswerShape.AnthropicMessage,
        "/chat/completions" => AnswerShape.ChatChoices,
        "/completions" => AnswerShape.Choices,
        "/embeddings" => AnswerShape.Data,
        _ => AnswerShape.AnyObject,
    };

    /// <summary>
    /// Whether a stream answer may be relayed: an HTML or plain-text page, or a whole JSON body, is not an event stream
    /// (other or missing content types are given the benefit of the doubt; the stream's end is checked anyway).
    /// </summary>
    /// <returns>Null when it may; otherwise why not.</returns>
    public static string? CheckStream(string? contentType) =>
        contentType is not null && !contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase)
            && (contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
            ? $"the upstream answered a stream request with {Describe(contentType)} instead of an event stream"
            : null;

    /// <summary>Whether <paramref name="body"/> is one complete JSON object with the member <paramref name="shape"/> needs.</summary>
    /// <param name="contentType">The answer's content type; a missing one is accepted (the JSON decides).</param>
    /// <returns>Null when the answer can be trusted; otherwise why not, without quoting the body.</returns>
    public static string? Check(ReadOnlySpan<byte> body, string? contentType, AnswerShape shape)
    {
        if (contentType is not null && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return $"the upstream answered HTTP 2xx with {Describe(contentType)}, not JSON";
        }

        if (body.IsEmpty)
        {
            return "the upstream answered HTTP 2xx with an empty body";
        }

        try
        {
            var reader = new Utf8JsonReader(body, Options);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "the upstream answered HTTP 2xx with JSON that is not an object";
            }

            var found = shape == AnswerShape.AnyObject;
            var isError = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var member = Member(ref reader, shape);
                reader.Read();
                switch (member)
                {
                    case 1 when reader.TokenType == JsonTokenType.StartArray:
                        if (shape is AnswerShape.Choices or AnswerShape.ChatChoices && CheckChoices(ref reader, shape) is { } problem)
                        {
                            return problem;
                        }

                        found = true;
                        break;
                    case 2 when reader.TokenType == JsonTokenType.String:
                        isError |= reader.ValueTextEquals("error"u8);
                        break;
                    case 3 when reader.TokenType == JsonTokenType.StartObject:
                        isError = true;
                        break;
                    default:
                        break;
                }

                reader.Skip();
            }

            // Anything after the object (a second document, garbage) throws here; a truncated body threw above.
            if (reader.Read())
            {
                return "the upstream answered HTTP 2xx with more than one JSON value";
            }

            if (isError)
            {
                return ErrorBody;
            }

            return found ? null : shape switch
            {
                AnswerShape.AnthropicMessage => "the upstream answered HTTP 2xx with JSON that is not a message (no content)",
                AnswerShape.Choices or AnswerShape.ChatChoices => "the upstream answered HTTP 2xx with JSON without choices",
                _ => "the upstream answered HTTP 2xx with JSON without data",
            };
        }
        catch (JsonException)
        {
            return "the upstream answered HTTP 2xx with a body that is not complete JSON";
        }
    }

    /// <summary>
    /// With the reader on the <c>choices</c> array's start: at least one choice, each an object, each with a
    /// <c>message</c> object for chat, none ended by GLM's <c>network_error</c> (an aborted answer, not a short one).
    /// Leaves the reader on the array's end.
    /// </summary>
    private static string? CheckChoices(ref Utf8JsonReader reader, AnswerShape shape)
    {
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return "the upstream answered HTTP 2xx with choices that are not objects";
            }

            count++;
            var hasMessage = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMessage = reader.ValueTextEquals("message"u8);
                var isFinish = !isMessage && reader.ValueTextEquals("finish_reason"u8);
                reader.Read();
                hasMessage |= isMessage && reader.TokenType == JsonTokenType.StartObject;
                if (isFinish && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("network_error"u8))
                {
                    return "the upstream aborted the answer (finish_reason network_error)";
                }

                reader.Skip();
            }

            if (shape == AnswerShape.ChatChoices && !hasMessage)
            {
                return "the upstream answered HTTP 2xx with a choice without a message";
            }
        }

        return count == 0 ? "the upstream answered HTTP 2xx with no choice (an empty choices array)" : null;
    }

    /// <summary>1: the array the shape needs; 2: <c>type</c>; 3: <c>error</c>; 0: anything else.</summary>
    private static int Member(ref Utf8JsonReader reader, AnswerShape shape)
    {
        if (reader.CurrentDepth != 1)
        {
            return 0;
        }

        return shape switch
        {
            AnswerShape.Choices or AnswerShape.ChatChoices when reader.ValueTextEquals("choices"u8) => 1,
            AnswerShape.Data when reader.ValueTextEquals("data"u8) => 1,
            AnswerShape.AnthropicMessage when reader.ValueTextEquals("content"u8) => 1,
            AnswerShape.AnthropicMessage when reader.ValueTextEquals("type"u8) => 2,
            _ when reader.ValueTextEquals("error"u8) => 3,
            _ => 0,
        };
    }

    /// <summary>The media type alone (no parameters), short: it comes from the upstream.</summary>
    private static string Describe(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var media = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return media.Length > 60 ? media[..60] : media;
    }
}

/// <summary>What a successful non-stream answer must be: an object with <c>choices</c>, <c>data</c>, an Anthropic message, or any object.</summary>
internal enum AnswerShape
{
    AnyObject,

    /// <summary>Completions: a non-empty <c>choices</c> array of objects.</summary>
    Choices,

    /// <summary>Chat completions: as <see cref="Choices"/>, each with a <c>message</c> object.</summary>
    ChatChoices,
    Data,
    AnthropicMessage,
}
