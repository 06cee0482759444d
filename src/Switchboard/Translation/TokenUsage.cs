namespace Switchboard.Translation;

/// <summary>
/// Token usage of one answer. <see cref="InputTokens"/> counts the whole prompt as OpenAI's <c>prompt_tokens</c> does,
/// cached tokens included; <see cref="CachedInputTokens"/> is the cached part.
/// </summary>
internal readonly record struct TokenUsage(int InputTokens, int OutputTokens, int CachedInputTokens, bool Estimated)
{
    /// <summary>Anthropic's <c>input_tokens</c> excludes what <c>cache_read_input_tokens</c> reports.</summary>
    public int AnthropicInputTokens => Math.Max(0, InputTokens - CachedInputTokens);
}
