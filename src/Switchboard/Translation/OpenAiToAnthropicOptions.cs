namespace Switchboard.Translation;

internal readonly record struct OpenAiToAnthropicOptions
{
    public OpenAiToAnthropicOptions()
    {
    }

    public required string UpstreamModel { get; init; }

    /// <summary>Anthropic requires <c>max_tokens</c>; OpenAI clients often leave it out.</summary>
    public int DefaultMaxTokens { get; init; } = 4096;
}
