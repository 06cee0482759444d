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

    [Theory]
    [InlineData("""{"usage":{"prompt_tokens":-5,"completion_tokens":3}}""")]
    [InlineData("""{"usage":{"prompt_tokens":5,"completion_tokens":-100000}}""")]
    [InlineData("""{"usage":{"prompt_tokens":3000000000,"completion_tokens":3}}""")]
    [InlineData("""{"usage":{"prompt_tokens":5,"completion_tokens":2147483647}}""")]
    [InlineData("""{"usage":{"prompt_tokens":5,"completion_tokens":1e30}}""")]
    [InlineData("""{"usage":{"prompt_tokens":"12","completion_tokens":3}}""")]
    [InlineData("""{"usage":{"input_tokens":5,"output_tokens":-4000}}""")]
    [InlineData("""{"usage":{"prompt_tokens":5,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":-1}}}""")]
    public void TryReadOpenAi_CountsNoCounterGives_NotTrusted(string json) =>
        Assert.False(TokenUsage.TryReadOpenAi(System.Text.Encoding.UTF8.GetBytes(json), out _));

    [Fact]
    public void TryReadOpenAi_NullCount_ReadAsZero()
    {
        Assert.True(TokenUsage.TryReadOpenAi("""{"usage":{"prompt_tokens":5,"completion_tokens":null}}"""u8, out var usage));
        Assert.Equal(new TokenUsage(5, 0, 0, false), usage);
    }
}
