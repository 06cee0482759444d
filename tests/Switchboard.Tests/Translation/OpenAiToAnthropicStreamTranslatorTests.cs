using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Protocols;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

public sealed class OpenAiToAnthropicStreamTranslatorTests
{
    private const string Set = "OpenAiStream";

    public static TheoryData<string> Cases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnChunk_GoldenStream_MatchesExpectedEvents(string name)
    {
        var output = StreamRunner.OpenAiToAnthropic(StreamRunner.Whole(GoldenFiles.Input(Set, name)));

        GoldenFiles.AssertSse(Set, name, output);
        AnthropicEventValidator.AssertWellFormed(output);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnChunk_GoldenStreamSplitAnywhere_SameOutput(string name)
    {
        var input = GoldenFiles.Input(Set, name);
        var whole = StreamRunner.OpenAiToAnthropic(StreamRunner.Whole(input));

        Assert.Equal(whole, StreamRunner.OpenAiToAnthropic(StreamRunner.ByteByByte(input)));
        for (var seed = 0; seed < 5; seed++)
        {
            Assert.Equal(whole, StreamRunner.OpenAiToAnthropic(StreamRunner.Random(input, seed)));
        }
    }

    [Fact]
    public void OnUpstreamError_InsideToolBlock_ClosesBlockUncompletedThenErrorWithoutStop()
    {
        var translator = new OpenAiToAnthropicStreamTranslator("m", "msg_1", ToolNameMap.Empty, 3);
        var output = new ArrayBufferWriter<byte>();
        translator.OnChunk("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"Read","arguments":"{\"a\":\"b"}}]}}]}"""u8, output);

        translator.OnUpstreamError("overloaded_error", "upstream broke", output);
        translator.OnDone(output);

        var events = GoldenFiles.ParseSse(output.WrittenSpan);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "error"],
            events.Select(e => e.Name));
        // The cut arguments stay cut: completing them would make a call the upstream never finished look whole.
        Assert.Equal("{\"a\":\"b", (string?)JsonNode.Parse(events[2].Data)!["delta"]!["partial_json"]);
        Assert.Equal("overloaded_error", (string?)JsonNode.Parse(events[^1].Data)!["error"]!["type"]);
        Assert.True(translator.Finished);
        Assert.True(translator.Failed);
        new AnthropicEventValidator().Validate(events);
    }

    [Fact]
    public void OnDone_NoChunkAtAll_StillWellFormed()
    {
        var translator = new OpenAiToAnthropicStreamTranslator("m", "msg_1", ToolNameMap.Empty, 3);
        var output = new ArrayBufferWriter<byte>();

        translator.OnDone(output);

        Assert.True(translator.Started);
        AnthropicEventValidator.AssertWellFormed(output.WrittenSpan);
        Assert.Equal(0, translator.Usage.OutputTokens);
    }

    [Fact]
    public void Usage_NoUsageChunk_EstimatedWithTokenizer()
    {
        var output = StreamRunner.OpenAiToAnthropic(StreamRunner.Whole(GoldenFiles.Input(Set, "no-finish-no-done")));
        var translator = new OpenAiToAnthropicStreamTranslator("m", "msg_1", ToolNameMap.Empty, 3);
        StreamRunner.OpenAiToAnthropic(StreamRunner.Whole(GoldenFiles.Input(Set, "no-finish-no-done")), translator);

        Assert.True(translator.Usage.Estimated);
        Assert.Equal(Switchboard.Usage.TokenCounter.CountText("hmmpartial answer"), translator.Usage.OutputTokens);
        Assert.Contains("\"output_tokens\":" + translator.Usage.OutputTokens, Encoding.UTF8.GetString(output));
    }

    [Fact]
    public void Usage_UsageChunk_TakenFromUpstream()
    {
        var translator = new OpenAiToAnthropicStreamTranslator("m", "msg_1", ToolNameMap.Empty, 3);
        StreamRunner.OpenAiToAnthropic(StreamRunner.Whole(GoldenFiles.Input(Set, "glm-reasoning-tools")), translator);

        Assert.Equal(new TokenUsage(100, 40, 64, Estimated: false), translator.Usage);
    }

    [Fact]
    public void OnChunk_UsageChunk_MessageDeltaHeldUntilUsage()
    {
        var translator = new OpenAiToAnthropicStreamTranslator("m", "msg_1", ToolNameMap.Empty, 3);
        var output = new ArrayBufferWriter<byte>();
        translator.OnChunk("""{"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}"""u8, output);
        Assert.DoesNotContain("message_delta", Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.False(translator.Finished);

        translator.OnChunk("""{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}"""u8, output);

        Assert.True(translator.Finished);
        Assert.Contains("message_stop", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void WritePing_WritesPingEvent()
    {
        var output = new ArrayBufferWriter<byte>();

        OpenAiToAnthropicStreamTranslator.WritePing(output);

        Assert.Equal([("ping", """{"type":"ping"}""")], GoldenFiles.ParseSse(output.WrittenSpan));
    }
}
