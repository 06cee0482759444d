using Microsoft.Extensions.Logging;

namespace Switchboard.Translation;

internal readonly record struct OpenAiToAnthropicOptions
{
    public OpenAiToAnthropicOptions()
    {
    }

    public required string UpstreamModel { get; init; }

    /// <summary>Anthropic requires <c>max_tokens</c>; OpenAI clients often leave it out.</summary>
    public int DefaultMaxTokens { get; init; } = 4096;

    /// <summary>Where the notes (what was left out) go, at debug level; null: nowhere.</summary>
    public ILogger? Logger { get; init; }
}
