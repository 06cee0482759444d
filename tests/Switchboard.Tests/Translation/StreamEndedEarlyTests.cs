using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

/// <summary>An upstream stream that closes before its terminal event is a failure in both translators, never a clean stop.</summary>
public sealed class StreamEndedEarlyTests
{
    [Fact]
    public void OnEndedEarly_OpenAiToAnthropicMidToolArguments_ErrorNoStopArgumentsLeftCut()
    {
        var translator = new OpenAiToAnthropicStreamTranslator("m", "msg_1", ToolNameMap.Empty, 3);
        var output = new ArrayBufferWriter<byte>();
        translator.OnChunk("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"Bash","arguments":"{\"command\":\"rm -rf /tmp/x"}}]}}]}"""u8, output);

        translator.OnEndedEarly(output);
        translator.OnDone(output);

        var events = GoldenFiles.ParseSse(output.WrittenSpan);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "error"], events.Select(e => e.Name));
        var partial = string.Concat(events.Where(e => e.Name == "content_block_delta").Select(e => (string?)JsonNode.Parse(e.Data)!["delta"]!["partial_json"]));
        Assert.Equal("{\"command\":\"rm -rf /tmp/x", partial);
        Assert.DoesNotContain(events, e => e.Name is "message_delta" or "message_stop");
        Assert.Equal("api_error", (string?)JsonNode.Parse(events[^1].Data)!["error"]!["type"]);
        Assert.True(translator.Failed);
    }

    [Fact]
    public void OnEndedEarly_OpenAiToAnthropicMidText_ClosesTextBlockThenError()
    {
        var translator = new OpenAiToAnthropicStreamTranslator("m", "msg_1", ToolNameMap.Empty, 3);
        var output = new ArrayBufferWriter<byte>();
        translator.OnChunk("""{"choices":[{"index":0,"delta":{"content":"Hello"}}]}"""u8, output);

        translator.OnEndedEarly(output);

        var events = GoldenFiles.ParseSse(output.WrittenSpan);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "error"], events.Select(e => e.Name));
        new AnthropicEventValidator().Validate(events);
        Assert.False(translator.SawFinishReason);
    }

    [Fact]
    public void SawFinishReason_AfterFinishChunk_True()
    {
        var translator = new OpenAiToAnthropicStreamTranslator("m", "msg_1", ToolNameMap.Empty, 3);
        var output = new ArrayBufferWriter<byte>();

        translator.OnChunk("""{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}"""u8, output);

        Assert.True(translator.SawFinishReason);
        Assert.False(translator.Finished);
    }

    [Fact]
    public void OnEndedEarly_AnthropicToOpenAiMidToolUse_ErrorChunkNoFinishNoDone()
    {
        var translator = new AnthropicToOpenAiStreamTranslator("gpt", 1, includeUsage: true, "chatcmpl-1");
        var output = new ArrayBufferWriter<byte>();
        translator.OnEvent("message_start", """{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":5,"output_tokens":1}}}"""u8, output);
        translator.OnEvent("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"Bash","input":{}}}"""u8, output);
        translator.OnEvent("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"command\":\"rm"}}"""u8, output);

        translator.OnEndedEarly(output);
        translator.OnEnd(output);

        var text = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Contains("data: {\"error\":", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"finish_reason\":\"tool_calls\"", text, StringComparison.Ordinal);
        Assert.True(translator.Failed);
    }
}
