using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

/// <summary>
/// Tool arguments whose fragments start with the text so far: a delta (<c>{"</c> then <c>{":480}</c>) must not be taken
/// for a repeated snapshot, and braces, quotes and backslashes inside strings must not count as structure.
/// </summary>
public sealed class OpenAiToAnthropicToolArgumentsTests
{
    // (call id, fragments of the decoded arguments text, the arguments they make)
    private static readonly (string Id, string[] Fragments, string Arguments)[] Calls =
    [
        ("call_a", ["{\"", "{\":480}"], "{\"{\":480}"),
        ("call_b", ["{\"a\":", "{\"a\":1}", "}"], "{\"a\":{\"a\":1}}"),
        ("call_c", ["{\"}\\\"{\\", "\\\":\"x\\\\\\\"}{ é\\uD83D", "\\uDC4B\",\"\\\\\":\"\\\"\"}"], "{\"}\\\"{\\\\\":\"x\\\\\\\"}{ é\\uD83D\\uDC4B\",\"\\\\\":\"\\\"\"}"),
        ("call_d", ["{\"a\":", "{\"a\":", "{\"a\":1}}}"], "{\"a\":{\"a\":{\"a\":1}}}"),

        // Complete as a snapshot after two fragments, yet a delta: the other calls must wait instead of closing it.
        ("call_e", ["{\"a\":", "{\"a\":1}", ",\"b\":2}"], "{\"a\":{\"a\":1},\"b\":2}"),
    ];

    // Interleaved: (call index, fragment index).
    private static readonly (int Call, int Fragment)[] Order =
        [(4, 0), (4, 1), (0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (3, 0), (4, 2), (2, 1), (3, 1), (1, 2), (2, 2), (3, 2)];

    [Fact]
    public void OnChunk_InterleavedArgumentsWithBracesQuotesBackslashes_ReassembledExactly()
    {
        var output = StreamRunner.OpenAiToAnthropic(StreamRunner.Whole(Stream()));

        AssertInputs(output);
    }

    [Fact]
    public void OnChunk_InterleavedArgumentsWithBracesQuotesBackslashesSplitAnywhere_SameOutput()
    {
        var input = Stream();
        var whole = StreamRunner.OpenAiToAnthropic(StreamRunner.Whole(input));

        Assert.Equal(whole, StreamRunner.OpenAiToAnthropic(StreamRunner.ByteByByte(input)));
        for (var seed = 0; seed < 10; seed++)
        {
            Assert.Equal(whole, StreamRunner.OpenAiToAnthropic(StreamRunner.Random(input, seed)));
        }
    }

    [Fact]
    public void OnChunk_SnapshotsWithBracesInStrings_ReassembledOnce()
    {
        // Snapshots whose first one ends inside a key: the delta reading breaks at the second.
        var text = new StringBuilder();
        foreach (var arguments in (string[])["{\"", "{\"{\":4", "{\"{\":480,\"}\":\"\\\"{\"}", "{\"{\":480,\"}\":\"\\\"{\"}"])
        {
            text.Append("data: ").Append(ToolChunk(0, "call_s", arguments)).Append("\n\n");
        }

        text.Append("data: [DONE]\n\n");
        var output = StreamRunner.OpenAiToAnthropic(StreamRunner.Whole(Encoding.UTF8.GetBytes(text.ToString())));

        var validator = new AnthropicEventValidator();
        validator.Validate(GoldenFiles.ParseSse(output));
        var input = Assert.Single(validator.Blocks, b => (string?)b["type"] == "tool_use")["input"];
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"{\":480,\"}\":\"\\\"{\"}"), input), input?.ToJsonString());
    }

    private static void AssertInputs(byte[] output)
    {
        var validator = new AnthropicEventValidator();
        validator.Validate(GoldenFiles.ParseSse(output));
        var tools = validator.Blocks.Where(b => (string?)b["type"] == "tool_use").ToDictionary(b => (string)b["id"]!);
        Assert.Equal(Calls.Length, tools.Count);
        foreach (var (id, _, arguments) in Calls)
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(arguments), tools[id]["input"]), $"{id}: {tools[id]["input"]?.ToJsonString()} != {arguments}");
        }
    }

    private static byte[] Stream()
    {
        foreach (var (_, fragments, arguments) in Calls)
        {
            Assert.Equal(arguments, string.Concat(fragments));
        }

        var text = new StringBuilder();
        foreach (var (call, fragment) in Order)
        {
            text.Append("data: ").Append(ToolChunk(call, fragment == 0 ? Calls[call].Id : null, Calls[call].Fragments[fragment])).Append("\n\n");
        }

        text.Append("data: ").Append("""{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""").Append("\n\ndata: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static string ToolChunk(int index, string? id, string arguments)
    {
        var function = new JsonObject { ["arguments"] = arguments };
        var call = new JsonObject { ["index"] = index, ["function"] = function };
        if (id is not null)
        {
            call["id"] = id;
            call["type"] = "function";
            function["name"] = "tool_" + index;
        }

        return new JsonObject
        {
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["tool_calls"] = new JsonArray(call) } }),
        }.ToJsonString();
    }
}
