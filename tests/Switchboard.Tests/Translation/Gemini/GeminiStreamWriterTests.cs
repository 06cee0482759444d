using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Switchboard.Translation.Gemini;

namespace Switchboard.Tests.Translation.Gemini;

public sealed class GeminiStreamWriterTests
{
    private const string Set = "Gemini/Stream";

    /// <summary>The pivot streams every spoke is tested with (Golden/OpenAiStream), written for a Gemini client.</summary>
    public static TheoryData<string> PivotCases => GoldenFiles.Cases("OpenAiStream");

    private static readonly Gen<OpenAiStreamScenario> Scenarios =
        Gen.Select(Gen.Int, Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, OpenAiStreamScenario.Create);

    [Theory]
    [MemberData(nameof(PivotCases))]
    public void OnChunk_SharedPivotStream_MatchesExpectedHoweverSplit(string name)
    {
        var input = GoldenFiles.Input("OpenAiStream", name);

        var whole = GeminiStreamRunner.Run(StreamRunner.Whole(input));

        GoldenFiles.AssertSse(Set, name, whole);
        Assert.Equal(GeminiStreamRunner.Text(whole), GeminiStreamRunner.Text(GeminiStreamRunner.Run(StreamRunner.ByteByByte(input))));
        for (var seed = 0; seed < 5; seed++)
        {
            Assert.Equal(GeminiStreamRunner.Text(whole), GeminiStreamRunner.Text(GeminiStreamRunner.Run(StreamRunner.Random(input, seed))));
        }
    }

    [Fact]
    public void OnChunk_JsonArrayFraming_WritesOneJsonArrayOfTheSameEvents()
    {
        var input = GoldenFiles.Input("OpenAiStream", "glm-reasoning-tools");

        var array = GeminiStreamRunner.Run(StreamRunner.Random(input, 3), GeminiStreamFraming.JsonArray);
        var sse = GeminiStreamRunner.Run(StreamRunner.Whole(input));

        var parsed = JsonNode.Parse(array)!.AsArray();
        var events = GeminiStreamRunner.SseEvents(sse);
        Assert.Equal(events.Count, parsed.Count);
        for (var i = 0; i < events.Count; i++)
        {
            Assert.True(JsonNode.DeepEquals(events[i], parsed[i]), $"event {i}: {parsed[i]} != {events[i]}");
        }
    }

    [Fact]
    public void OnError_JsonArrayFraming_EndsTheArrayWithGooglesErrorObject()
    {
        var input = Encoding.UTF8.GetBytes("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n");

        var output = GeminiStreamRunner.Run(StreamRunner.Whole(input), GeminiStreamFraming.JsonArray);

        var parsed = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(2, parsed.Count);
        Assert.Equal("Hel", (string?)parsed[0]!["candidates"]![0]!["content"]!["parts"]![0]!["text"]);
        Assert.Equal(500, (int?)parsed[1]!["error"]!["code"]);
        Assert.Equal("INTERNAL", (string?)parsed[1]!["error"]!["status"]);
    }

    [Fact]
    public void OnChunk_ThoughtsNotAsked_LeavesReasoningOut()
    {
        var input = GoldenFiles.Input("OpenAiStream", "glm-reasoning-tools");

        var events = GeminiStreamRunner.SseEvents(GeminiStreamRunner.Run(StreamRunner.Whole(input), includeThoughts: false));

        var accumulated = GeminiStreamRunner.Accumulate(events);
        Assert.DoesNotContain(accumulated["parts"]!.AsArray(), p => p!["thought"] is not null);
        Assert.Equal("I'll read it.", (string?)accumulated["parts"]![0]!["text"]);
    }

    [Fact]
    public void OnChunk_AnyValidChunkStreamSplitAnywhere_AccumulatesToTheNonStreamAnswer()
    {
        Gen.Select(Scenarios, Gen.Int).Sample((scenario, splitSeed) =>
        {
            if (!scenario.Finish && !scenario.Done)
            {
                return;
            }

            var names = new StreamRunnerNames();
            var streamed = GeminiStreamRunner.Accumulate(GeminiStreamRunner.SseEvents(
                GeminiStreamRunner.Run(StreamRunner.Random(scenario.StreamBytes(names), splitSeed))));
            var whole = JsonNode.Parse(GeminiAnswerTranslator.FromPivot(scenario.CompletionBytes(names), GeminiAnswerTranslatorTests.Request(true), 10, out _))!;
            var expected = GeminiStreamRunner.Accumulate([whole]);

            Assert.Null(streamed["error"]);
            Assert.True(JsonNode.DeepEquals(expected["parts"], streamed["parts"]), $"{scenario}\nstreamed {streamed["parts"]}\nwhole    {expected["parts"]}");
            Assert.Equal((string?)expected["finishReason"], (string?)streamed["finishReason"]);
            if (scenario.UsageChunk)
            {
                Assert.True(JsonNode.DeepEquals(expected["usageMetadata"], streamed["usageMetadata"]), $"{streamed["usageMetadata"]} != {expected["usageMetadata"]}");
            }
        }, iter: 400);
    }

    [Fact]
    public void OnChunk_ParallelCallsReusingIndexZeroWithNewIds_TwoFunctionCalls()
    {
        var input = Encoding.UTF8.GetBytes("""
            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"Read","arguments":"{\"file_path\":"}}]}}]}

            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"","function":{"arguments":"\"/tmp/a\"}"}}]}}]}

            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_2","function":{"name":"Bash","arguments":"{\"command\":"}}]}}]}

            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"ls\"}"}}]}}]}

            data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

            data: [DONE]


            """);

        var answer = GeminiStreamRunner.Accumulate(GeminiStreamRunner.SseEvents(GeminiStreamRunner.Run(StreamRunner.Whole(input))));

        var calls = answer["parts"]!.AsArray().Select(p => p!["functionCall"]).Where(c => c is not null).ToList();
        Assert.Equal(["call_1", "call_2"], calls.Select(c => (string?)c!["id"]));
        Assert.Equal(["Read", "Bash"], calls.Select(c => (string?)c!["name"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"file_path\":\"/tmp/a\"}"), calls[0]!["args"]), calls[0]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"command\":\"ls\"}"), calls[1]!["args"]), calls[1]!.ToJsonString());
    }
}
