namespace Switchboard.Translation.Responses;

/// <summary>A Responses API request translated to the OpenAI chat pivot for one deployment, with what the answer needs.</summary>
internal sealed class ResponsesRequest
{
    /// <summary>The pivot <c>chat.completions</c> body.</summary>
    public required byte[] Body { get; init; }

    public required bool Stream { get; init; }

    /// <summary>The model name the client asked for; answers echo it.</summary>
    public required string RequestedModel { get; init; }

    /// <summary><c>prompt_cache_key</c>, else <c>user</c>: a session-affinity key.</summary>
    public string? SessionId { get; init; }

    /// <summary>False when the client sent <c>store: false</c>: the response is not kept for <c>previous_response_id</c>.</summary>
    public bool Store { get; init; } = true;

    public string? PreviousResponseId { get; init; }

    public ResponsesToolNames ToolNames { get; init; } = ResponsesToolNames.Empty;

    /// <summary>The request fields a response object repeats (instructions, tools, …), serialised once.</summary>
    public ResponseEcho Echo { get; init; } = ResponseEcho.Empty;

    /// <summary>
    /// The conversation so far as a JSON array of Responses input items: the stored history of
    /// <c>previous_response_id</c>, then this request's input. A stored response adds its output items to it.
    /// </summary>
    public byte[] InputItems { get; init; } = "[]"u8.ToArray();

    /// <summary>What the translation left out or turned into text (docs/compatibility.md); logged at debug level.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
