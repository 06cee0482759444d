using System.Globalization;
using Switchboard.Protocols;

namespace Switchboard.Api;

/// <summary>Which kind of proxied request a body is, for the checks that differ between endpoints.</summary>
internal enum RequestKind
{
    /// <summary>OpenAI <c>/chat/completions</c>: <c>messages</c> checked as OpenAI does before anything goes upstream.</summary>
    OpenAiChat,

    /// <summary>OpenAI <c>/completions</c> and <c>/embeddings</c>: no <c>messages</c>.</summary>
    OpenAiOther,

    /// <summary>Anthropic <c>/v1/messages</c> and <c>count_tokens</c>: roles are the translator's (or Anthropic's) to check.</summary>
    Anthropic,
}

/// <summary>A request check that failed: the message for the client and OpenAI's <c>param</c>/<c>code</c>.</summary>
internal readonly record struct RequestProblem(string Message, string? Param, string Code);

/// <summary>
/// The checks made on the routing skim's findings before any upstream is chosen (docs/hostile-input.md): what OpenAI and
/// Anthropic would answer 400 to is answered 400 here, without a call that spends a key's quota.
/// </summary>
internal static class RequestChecks
{
    /// <summary>Model names longer than this are refused: no provider has one, and the name goes into logs and usage rows.</summary>
    public const int MaxModelLength = 256;

    private const string OpenAiRoles = "'system', 'developer', 'user', 'assistant', 'tool' and 'function'";

    /// <summary>Every check (count_tokens, which routes nowhere).</summary>
    public static RequestProblem? Check(in RoutingFields fields, RequestKind kind) => CheckModel(fields) ?? CheckBody(fields, kind);

    /// <summary>The model field alone: checked before the model group is resolved.</summary>
    public static RequestProblem? CheckModel(in RoutingFields fields)
    {
        if (!fields.HasModel || !fields.ModelIsString || string.IsNullOrEmpty(fields.Model))
        {
            return new(fields.HasModel ? "'model' must be a non-empty string naming a model group." : "Missing required parameter 'model'.",
                "model", fields.HasModel ? "invalid_model" : "missing_required_parameter");
        }

        return CheckModelName(fields.Model);
    }

    /// <summary>A model name from wherever the API carries it (Gemini: the path).</summary>
    public static RequestProblem? CheckModelName(string model)
    {
        if (model.Length == 0)
        {
            return new("The model must be a non-empty string naming a model group.", "model", "invalid_model");
        }

        if (model.Length > MaxModelLength)
        {
            return new($"'model' is {model.Length} characters long; model names have at most {MaxModelLength}: '{ClientText.Quote(model)}'.",
                "model", "invalid_model");
        }

        // A NUL or other control character would reach log lines and usage rows (PostgreSQL refuses NUL in text).
        if (model.AsSpan().IndexOfAnyInRange('\0', '\u001f') >= 0 || model.Contains('\u007f', StringComparison.Ordinal))
        {
            return new("'model' must not contain control characters.", "model", "invalid_model");
        }

        return null;
    }

    /// <summary>Everything but the model: checked once the model is known to name a group, so that an unknown model is
    /// reported as such (the more useful answer) whatever else is wrong.</summary>
    public static RequestProblem? CheckBody(in RoutingFields fields, RequestKind kind)
    {
        if (fields.WrongTypeField is { } field)
        {
            return new($"Invalid type for '{field}': expected {fields.WrongTypeExpected}.", field, "invalid_type");
        }

        if (kind == RequestKind.OpenAiOther)
        {
            return null;
        }

        var at = "messages[" + fields.MessageIndex.ToString(CultureInfo.InvariantCulture) + "]";
        return fields.Messages switch
        {
            MessagesShape.Absent => new("Missing required parameter: 'messages'.", "messages", "missing_required_parameter"),
            MessagesShape.NotArray => new("Invalid type for 'messages': expected an array of objects.", "messages", "invalid_type"),
            MessagesShape.Empty => new("Invalid 'messages': empty array. Expected an array with at least one message.", "messages", "empty_array"),
            MessagesShape.NotObject => new($"Invalid type for '{at}': expected an object.", at, "invalid_type"),
            MessagesShape.RoleMissing => new($"Missing required parameter: '{at}.role'.", at + ".role", "missing_required_parameter"),
            MessagesShape.RoleNotString => new($"Invalid type for '{at}.role': expected a string.", at + ".role", "invalid_type"),
            MessagesShape.RoleUnknown when kind == RequestKind.OpenAiChat =>
                new($"Invalid value for '{at}.role'. Supported values are: {OpenAiRoles}.", at + ".role", "invalid_value"),
            MessagesShape.ContentWrongType => new($"Invalid type for '{at}.content': expected a string, an array of content parts or null.",
                at + ".content", "invalid_type"),
            _ => null,
        };
    }
}
