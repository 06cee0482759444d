namespace Switchboard.Translation;

/// <summary>A request body translated for an upstream of the other protocol, with what the answer's translation needs.</summary>
internal sealed class TranslatedRequest
{
    public required byte[] Body { get; init; }

    public required bool Stream { get; init; }

    /// <summary>The model name the client asked for; answers echo it.</summary>
    public required string RequestedModel { get; init; }

    /// <summary>Anthropic <c>metadata.user_id</c> (or OpenAI <c>user</c>): a session-affinity key, never forwarded to OpenAI upstreams.</summary>
    public string? SessionId { get; init; }

    public ToolNameMap ToolNames { get; init; } = ToolNameMap.Empty;

    /// <summary>OpenAI client asked for <c>stream_options.include_usage</c> (OpenAI → Anthropic direction only).</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>
    /// The forced tool that carries a JSON <c>response_format</c> answer on an Anthropic upstream (OpenAI → Anthropic
    /// direction only): the answer translators turn its call back into text content with <c>finish_reason: stop</c>.
    /// </summary>
    public string? JsonToolName { get; init; }

    /// <summary>What the translation left out or turned into text (docs/compatibility.md); logged at debug level.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
