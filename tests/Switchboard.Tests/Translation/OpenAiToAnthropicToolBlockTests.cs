using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

/// <summary>
/// Tool calls whose fragments come in shapes real upstreams send: argument fragments interrupted by text or reasoning
/// (Anthropic allows one open block at a time), parallel calls that reuse <c>index: 0</c> with their own ids (Ollama,
/// SGLang, Dynamo), and arguments that are not a JSON object.
/// </summary>
public sealed class OpenAiToAnthropicToolBlockTests
{
    [Fact]
    public void OnChunk_ContentBetweenArgumentFragments_ArgumentsWholeThenTextBlock()
    {
        var validator = Run(
            Tool(0, "call_1", "Read", "{\"file_path\":\"/home/u/pro"),
            Content("\n"),
            Tool(0, null, null, "ject/secrets.txt\"}"),
            Finish("tool_calls"));

        Assert.Equal(["tool_use", "text"], validator.Blocks.Select(b => (string?)b["type"]));
        AssertInput("{\"file_path\":\"/home/u/project/secrets.txt\"}", validator.Blocks[0]);
        Assert.Equal("\n", (string?)validator.Blocks[1]["text"]);
        Assert.Equal("tool_use", validator.StopReason);
    }

    [Fact]
    public void OnChunk_ReasoningBetweenArgumentFragments_ArgumentsWholeThenThinkingBlock()
    {
        var validator = Run(
            Reasoning("Let me look."),
            Tool(0, "call_1", "Read", "{\"path\":\"/very/long"),
            Reasoning("still"),
            Reasoning(" thinking"),
            Tool(0, null, null, "/name\"}"),
            Content("Done."),
            Finish("tool_calls"));

        Assert.Equal(["thinking", "tool_use", "thinking", "text"], validator.Blocks.Select(b => (string?)b["type"]));
        AssertInput("{\"path\":\"/very/long/name\"}", validator.Blocks[1]);
        Assert.Equal("still thinking", (string?)validator.Blocks[2]["thinking"]);
        Assert.Equal("Done.", (string?)validator.Blocks[3]["text"]);
    }

    [Fact]
    public void OnChunk_TextAndReasoningHeldInOrderUntilTheStreamFinishes_EmittedAfterTheToolBlock()
    {
        var validator = Run(
            Tool(0, "call_1", "Read", "{\"path\":"),
            Content("a"),
            Reasoning("b"),
            Content("c"),
            Tool(0, null, null, "\"/x\"}"),
            Tool(1, "call_2", "Bash", "{\"command\":\"ls\"}"),
            Finish("tool_calls"));

        Assert.Equal(["tool_use", "text", "thinking", "text", "tool_use"], validator.Blocks.Select(b => (string?)b["type"]));
        AssertInput("{\"path\":\"/x\"}", validator.Blocks[0]);
        Assert.Equal(["a", "b", "c"], validator.Blocks.Skip(1).Take(3).Select(b => (string?)b["text"] ?? (string?)b["thinking"]));
        AssertInput("{\"command\":\"ls\"}", validator.Blocks[4]);
    }

    [Fact]
    public void OnChunk_ContentWhileArgumentsIncompleteThenFinish_ToolClosedThenText()
    {
        var validator = Run(
            Tool(0, "call_1", "Read", "{\"path\":\"/x\""),
            Content("partial"),
            Finish("length"));

        Assert.Equal(["tool_use", "text"], validator.Blocks.Select(b => (string?)b["type"]));
        Assert.Equal("partial", (string?)validator.Blocks[1]["text"]);
        Assert.Equal("max_tokens", validator.StopReason);
    }

    [Fact]
    public void OnEndedEarly_ContentHeldWhileArgumentsIncomplete_ArgumentsLeftCutThenError()
    {
        var translator = new OpenAiToAnthropicStreamTranslator("m", "msg_1", ToolNameMap.Empty, 3);
        var output = new ArrayBufferWriter<byte>();
        translator.OnChunk(Encoding.UTF8.GetBytes(Tool(0, "c", "Bash", "{\"command\":\"rm -rf /tmp/x")), output);
        translator.OnChunk(Encoding.UTF8.GetBytes(Content("\n")), output);

        translator.OnEndedEarly(output);

        var events = GoldenFiles.ParseSse(output.WrittenSpan);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "error"], events.Select(e => e.Name));
        Assert.Equal("{\"command\":\"rm -rf /tmp/x", (string?)JsonNode.Parse(events[2].Data)!["delta"]!["partial_json"]);
        new AnthropicEventValidator().Validate(events);
    }

    [Fact]
    public void OnChunk_ParallelCallsReusingIndexZeroWithNewIds_TwoToolBlocks()
    {
        var validator = Run(
            Tool(0, "call_1", "Read", ""),
            Tool(0, "", null, "{\"file_path\":"),
            Tool(0, null, null, "\"/tmp/a\"}"),
            Tool(0, "call_2", "Bash", "{\"command\":"),
            Tool(0, "call_2", null, "\"ls\"}"),
            Finish("tool_calls"));

        Assert.Equal(["call_1", "call_2"], validator.Blocks.Select(b => (string?)b["id"]));
        Assert.Equal(["Read", "Bash"], validator.Blocks.Select(b => (string?)b["name"]));
        AssertInput("{\"file_path\":\"/tmp/a\"}", validator.Blocks[0]);
        AssertInput("{\"command\":\"ls\"}", validator.Blocks[1]);
    }

    [Fact]
    public void OnChunk_IdArrivingAfterTheFirstFragmentOfAnIndex_SameCall()
    {
        var validator = Run(
            Tool(0, null, "Read", "{\"file_path\":"),
            Tool(0, "call_late", null, "\"/tmp/a\"}"),
            Finish("tool_calls"));

        var block = Assert.Single(validator.Blocks);
        AssertInput("{\"file_path\":\"/tmp/a\"}", block);
    }

    [Theory]
    [InlineData("{file_path: /tmp/a}")]
    [InlineData("[1,2]")]
    [InlineData("  'quoted'")]
    [InlineData("{'a': 1}")]
    [InlineData("\"just a string\"")]
    public void OnChunk_ArgumentsNotAJsonObject_WrappedAsRawArgumentsLikeTheNonStreamAnswer(string arguments)
    {
        var middle = arguments.Length / 2;
        var validator = Run(
            Tool(0, "call_1", "Read", arguments[..1]),
            Tool(0, null, null, arguments[1..middle]),
            Tool(0, null, null, arguments[middle..]),
            Finish("tool_calls"));

        AssertInput(new JsonObject { ["raw_arguments"] = arguments }.ToJsonString(), Assert.Single(validator.Blocks));
    }

    [Fact]
    public void OnEndedEarly_ArgumentsNotAJsonObject_RawArgumentsLeftCutThenError()
    {
        var translator = new OpenAiToAnthropicStreamTranslator("m", "msg_1", ToolNameMap.Empty, 3);
        var output = new ArrayBufferWriter<byte>();
        translator.OnChunk(Encoding.UTF8.GetBytes(Tool(0, "c", "Bash", "{command: rm")), output);

        translator.OnEndedEarly(output);

        var events = GoldenFiles.ParseSse(output.WrittenSpan);
        var partial = string.Concat(events.Where(e => e.Name == "content_block_delta").Select(e => (string?)JsonNode.Parse(e.Data)!["delta"]!["partial_json"]));
        Assert.Equal("{\"raw_arguments\":\"{command: rm", partial);
        new AnthropicEventValidator().Validate(events);
        Assert.Equal("error", events[^1].Name);
    }

    private static AnthropicEventValidator Run(params string[] chunks)
    {
        var text = new StringBuilder();
        foreach (var chunk in chunks)
        {
            text.Append("data: ").Append(chunk).Append("\n\n");
        }

        text.Append("data: [DONE]\n\n");
        var input = Encoding.UTF8.GetBytes(text.ToString());
        var output = StreamRunner.OpenAiToAnthropic(StreamRunner.Whole(input));
        Assert.Equal(output, StreamRunner.OpenAiToAnthropic(StreamRunner.ByteByByte(input)));
        var validator = new AnthropicEventValidator();
        validator.Validate(GoldenFiles.ParseSse(output));
        return validator;
    }

    private static void AssertInput(string expected, JsonObject block) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), block["input"]), $"{block["input"]?.ToJsonString()} != {expected}");

    private static string Delta(JsonObject delta, string? finish = null) => new JsonObject
    {
        ["id"] = "chatcmpl-t",
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
    }.ToJsonString();

    private static string Content(string text) => Delta(new JsonObject { ["content"] = text });

    private static string Reasoning(string text) => Delta(new JsonObject { ["reasoning_content"] = text });

    private static string Finish(string reason) => Delta(new JsonObject(), reason);

    private static string Tool(int index, string? id, string? name, string arguments)
    {
        var function = new JsonObject { ["arguments"] = arguments };
        if (name is not null)
        {
            function["name"] = name;
        }

        var call = new JsonObject { ["index"] = index, ["function"] = function };
        if (id is not null)
        {
            call["id"] = id;
        }

        return Delta(new JsonObject { ["tool_calls"] = new JsonArray(call) });
    }
}
