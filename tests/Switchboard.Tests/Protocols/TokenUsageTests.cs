using Switchboard.Protocols;

namespace Switchboard.Tests.Protocols;

public sealed class TokenUsageTests
{
    [Fact]
    public void TryReadOpenAi_AnthropicCacheFields_AddedToInputAndKeptApart()
    {
        Assert.True(TokenUsage.TryReadOpenAi(
            """{"id":"msg","usage":{"input_tokens":10,"cache_creation_input_tokens":30,"cache_read_input_tokens":60,"output_tokens":5}}"""u8,
            out var usage));
        Assert.Equal(new TokenUsage(100, 5, 60, false) { CacheCreationInputTokens = 30 }, usage);
        Assert.Equal(10, usage.AnthropicInputTokens);
    }

    [Fact]
    public void TryReadOpenAi_OpenAiCachedTokens_PartOfPrompt()
    {
        Assert.True(TokenUsage.TryReadOpenAi(
            """{"usage":{"prompt_tokens":100,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":40}}}"""u8, out var usage));
        Assert.Equal(new TokenUsage(100, 5, 40, false), usage);
    }

    [Fact]
    public void TryReadAnthropicMessageStart_MessageUsage_ReadsInputWithCache()
    {
        Assert.True(TokenUsage.TryReadAnthropicMessageStart(
            """{"type":"message_start","message":{"id":"m","content":[],"usage":{"input_tokens":3,"cache_read_input_tokens":7,"output_tokens":1}}}"""u8,
            out var usage));
        Assert.Equal(new TokenUsage(10, 1, 7, false), usage);
    }

    [Fact]
    public void TryReadAnthropicMessageStart_NotAMessageStart_ReturnsFalse() =>
        Assert.False(TokenUsage.TryReadAnthropicMessageStart("""{"type":"ping"}"""u8, out _));
}
