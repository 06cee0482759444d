using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation.Responses;

namespace Switchboard.Tests.Translation.Responses;

public sealed class ResponsesStreamWriterTests
{
    private const string Set = "ResponsesStream";

    public static TheoryData<string> Cases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnChunk_GoldenCase_MatchesExpected(string name)
    {
        var input = GoldenFiles.Input(Set, name);

        var whole = ResponsesFixture.Stream(StreamRunner.Whole(input));

        GoldenFiles.AssertSse(Set, name, whole);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnChunk_SplitAtAwkwardPlaces_SameOutputAsWhole(string name)
    {
        var input = GoldenFiles.Input(Set, name);
        var whole = Encoding.UTF8.GetString(ResponsesFixture.Stream(StreamRunner.Whole(input)));

        Assert.Equal(whole, Encoding.UTF8.GetString(ResponsesFixture.Stream(StreamRunner.ByteByByte(input))));
        for (var seed = 0; seed < 20; seed++)
        {
            Assert.Equal(whole, Encoding.UTF8.GetString(ResponsesFixture.Stream(StreamRunner.Random(input, seed))));
        }
    }

    [Fact]
    public void OnError_AfterText_ErrorThenFailedNeverCompleted()
    {
        var writer = new ResponsesStreamWriter(ResponsesFixture.Translated(), ResponsesFixture.ResponseId, ResponsesFixture.CreatedAt, 10);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        writer.OnStart(output);
        writer.OnChunk("""{"choices":[{"index":0,"delta":{"content":"Hi"}}]}"""u8, output);

        writer.OnError("api_error", "The upstream stream broke.", output);
        writer.OnDone(output);

        var events = GoldenFiles.ParseSse(output.WrittenSpan);
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "error", "response.failed"], events.Select(e => e.Name));
        var failed = JsonNode.Parse(events[^1].Data)!["response"]!;
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Equal("The upstream stream broke.", (string?)failed["error"]!["message"]);
        Assert.True(writer.Finished);
        Assert.True(writer.Failed);
    }

    [Fact]
    public void Completed_WholeResponse_HandedOverOnceForStoring()
    {
        ResponseOutput? kept = null;
        var calls = 0;
        var writer = new ResponsesStreamWriter(ResponsesFixture.Translated(), ResponsesFixture.ResponseId, ResponsesFixture.CreatedAt, 10)
        {
            Completed = o => { kept = o; calls++; },
        };

        ResponsesFixture.Stream(StreamRunner.Whole(GoldenFiles.Input(Set, "text")), writer);

        Assert.Equal(1, calls);
        Assert.Equal("Hello \"wörld\" 👋", kept!.Items.Single().Text.ToString());
    }

    [Fact]
    public void OnChunk_ParallelCallsReusingIndexZeroWithNewIds_TwoFunctionCalls()
    {
        ResponseOutput? kept = null;
        var writer = new ResponsesStreamWriter(ResponsesFixture.Translated(), ResponsesFixture.ResponseId, ResponsesFixture.CreatedAt, 10)
        {
            Completed = o => kept = o,
        };
        var input = Encoding.UTF8.GetBytes("""
            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"exec_command","arguments":"{\"cmd\":"}}]}}]}

            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"","function":{"arguments":"\"ls\"}"}}]}}]}

            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_2","function":{"name":"tool_0","arguments":"{\"a\":"}}]}}]}

            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]}

            data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

            data: [DONE]


            """);

        ResponsesFixture.Stream(StreamRunner.Whole(input), writer);

        Assert.Equal(["call_1", "call_2"], kept!.Items.Select(i => i.CallId));
        Assert.Equal(["exec_command", "tool_0"], kept.Items.Select(i => i.Name));
        Assert.Equal(["{\"cmd\":\"ls\"}", "{\"a\":1}"], kept.Items.Select(i => i.Text.ToString()));
    }
}
