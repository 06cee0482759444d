using Switchboard.Protocols;
using Switchboard.Usage;

namespace Switchboard.Tests.Usage;

public sealed class DeliveredUsageTests
{
    [Fact]
    public void Settle_NothingReported_EstimatesInputByCallbackAndOutputFromOpenAiDeltas()
    {
        var delivered = new DeliveredUsage();
        delivered.AddOpenAiChunk("""{"choices":[{"index":0,"delta":{"content":"Hello there, \"friend\"\n"},"finish_reason":null}]}"""u8);
        delivered.AddOpenAiChunk("""{"choices":[{"index":0,"delta":{"reasoning_content":"thinking hard"}}]}"""u8);
        delivered.AddOpenAiChunk("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"path\": \"a.txt\"}"}}]}}]}"""u8);
        delivered.AddOpenAiChunk("""{"choices":[{"index":0,"delta":{"content":null}}]}"""u8);

        var usage = delivered.Settle(() => 42);

        var expected = TokenCounter.CountText("Hello there, \"friend\"\nthinking hard{\"path\": \"a.txt\"}");
        Assert.Equal(new TokenUsage(42, expected, 0, Estimated: true), usage);
        Assert.True(usage.OutputTokens > 5);
    }

    [Fact]
    public void Settle_UpstreamUsageReported_ReturnsItNotEstimatedWithoutCountingInput()
    {
        var delivered = new DeliveredUsage();
        delivered.AddOpenAiChunk("""{"choices":[{"delta":{"content":"Hi"}}]}"""u8);
        delivered.ReportUsage(new TokenUsage(100, 7, 20, false));

        var usage = delivered.Settle(() => throw new InvalidOperationException("input counted although reported"));

        Assert.Equal(new TokenUsage(100, 7, 20, Estimated: false), usage);
        Assert.True(delivered.Complete);
    }

    [Fact]
    public void Settle_AnthropicMessageStartOnly_InputReportedWithCacheOutputEstimated()
    {
        var delivered = new DeliveredUsage();
        delivered.AddAnthropicEvent("message_start",
            """{"type":"message_start","message":{"id":"m","content":[],"usage":{"input_tokens":10,"cache_creation_input_tokens":30,"cache_read_input_tokens":60,"output_tokens":1}}}"""u8);
        delivered.AddAnthropicEvent("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""u8);
        delivered.AddAnthropicEvent("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"The answer is forty-two."}}"""u8);
        delivered.AddAnthropicEvent("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"""u8);

        var usage = delivered.Settle(() => throw new InvalidOperationException("input counted although reported"));

        Assert.Equal(100, usage.InputTokens);
        Assert.Equal(60, usage.CachedInputTokens);
        Assert.Equal(30, usage.CacheCreationInputTokens);
        Assert.Equal(TokenCounter.CountText("The answer is forty-two.{\"a\":"), usage.OutputTokens);
        Assert.True(usage.Estimated);
    }

    [Fact]
    public void Settle_AnthropicMessageDelta_CompleteAndNotEstimated()
    {
        var delivered = new DeliveredUsage();
        delivered.AddAnthropicEvent("message_start", """{"type":"message_start","message":{"usage":{"input_tokens":10,"output_tokens":1}}}"""u8);
        delivered.AddAnthropicEvent("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}"""u8);

        Assert.Equal(new TokenUsage(10, 15, 0, Estimated: false), delivered.Settle(() => 0));
    }

    [Fact]
    public void AddOpenAiChunk_SpacedJsonAndTruncatedString_KeepsTheText()
    {
        var delivered = new DeliveredUsage();
        delivered.AddOpenAiChunk("""{"choices": [{"delta": {"content" : "spaced out"}}]}"""u8);
        delivered.AddOpenAiChunk("""{"choices":[{"delta":{"content":"cut \"off"""u8);

        Assert.Equal("spaced out".Length + "cut \\\"off".Length, delivered.TextBytes);
        Assert.True(delivered.Settle(() => 0).OutputTokens > 0);
    }
}
