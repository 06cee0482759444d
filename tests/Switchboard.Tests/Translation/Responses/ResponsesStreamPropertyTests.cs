using System.Text.Json.Nodes;
using CsCheck;
using Switchboard.Translation.Responses;

namespace Switchboard.Tests.Translation.Responses;

/// <summary>
/// For random pivot chunk streams split anywhere, the Responses stream is well-formed (documented event order, sequence
/// numbers 0…n-1, every item added then done, deltas adding up to the done text) and its <c>response.completed</c> equals
/// the non-stream translation of the same answer.
/// </summary>
public sealed class ResponsesStreamPropertyTests
{
    private static readonly Gen<OpenAiStreamScenario> Scenarios =
        Gen.Select(Gen.Int, Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, OpenAiStreamScenario.Create);

    [Fact]
    public void OnChunk_AnyValidChunkStreamSplitAnywhere_AccumulatesToTheNonStreamAnswer()
    {
        Gen.Select(Scenarios, Gen.Int).Sample((scenario, splitSeed) =>
        {
            // Chunks that repeat the whole arguments so far are an Anthropic-spoke accommodation (docs/compatibility.md).
            for (var i = 0; i < scenario.Snapshots.Count; i++)
            {
                scenario.Snapshots[i] = false;
            }

            var names = new StreamRunnerNames();
            var stream = ResponsesFixture.Stream(StreamRunner.Random(scenario.StreamBytes(names), splitSeed));
            var completed = Validate(GoldenFiles.ParseSse(stream));

            var completion = JsonNode.Parse(scenario.CompletionBytes(names))!;
            if (!scenario.UsageChunk)
            {
                completion.AsObject().Remove("usage");
            }

            var expected = JsonNode.Parse(ResponsesAnswerTranslator.ToResponse(System.Text.Encoding.UTF8.GetBytes(completion.ToJsonString()),
                ResponsesFixture.Translated(), ResponsesFixture.ResponseId, ResponsesFixture.CreatedAt, ResponsesFixture.EstimatedInput, out _))!;
            if (scenario.Interleave)
            {
                // Interleaved calls open in the order their first fragments came: compare them by call id.
                Assert.Equal(Calls(expected), Calls(completed));
                Assert.Equal(Texts(expected), Texts(completed));
                Assert.True(JsonNode.DeepEquals(expected["usage"], completed["usage"]), $"{expected["usage"]} != {completed["usage"]}");
            }
            else
            {
                Assert.True(JsonNode.DeepEquals(expected, completed), $"{scenario}\nexpected {expected.ToJsonString()}\nstreamed {completed.ToJsonString()}");
            }
        }, iter: 300);
    }

    private static bool IsCall(JsonNode? item) => (string?)item!["type"] is "function_call" or "custom_tool_call";

    private static SortedDictionary<string, string> Calls(JsonNode response) => new(
        response["output"]!.AsArray().Where(IsCall)
            .ToDictionary(i => (string)i!["call_id"]!, i => $"{i!["type"]}|{i["name"]}|{i["arguments"]}|{i["input"]}"), StringComparer.Ordinal);

    private static string Texts(JsonNode response) => string.Join("|",
        response["output"]!.AsArray().Where(i => !IsCall(i)).Select(i => i!.ToJsonString()));

    /// <summary>Checks the event grammar and returns <c>response.completed</c>'s response.</summary>
    private static JsonNode Validate(List<(string? Name, string Data)> events)
    {
        Assert.True(events.Count >= 3);
        var open = new Dictionary<string, System.Text.StringBuilder>(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var (name, data) = events[i];
            var json = JsonNode.Parse(data)!;
            Assert.Equal(name, (string?)json["type"]);
            Assert.Equal(i, (int)json["sequence_number"]!);
            var itemId = (string?)json["item_id"] ?? (string?)json["item"]?["id"];
            switch (name)
            {
                case "response.created":
                    Assert.Equal(0, i);
                    break;
                case "response.in_progress":
                    Assert.Equal(1, i);
                    break;
                case "response.output_item.added":
                    Assert.True(open.TryAdd(itemId!, new System.Text.StringBuilder()), $"{itemId} added twice");
                    break;
                case "response.output_text.delta" or "response.reasoning_summary_text.delta" or "response.function_call_arguments.delta"
                    or "response.custom_tool_call_input.delta":
                    Assert.True(open.ContainsKey(itemId!) && !done.Contains(itemId!), $"{name} outside its item");
                    open[itemId!].Append((string?)json["delta"]);
                    break;
                case "response.output_text.done" or "response.reasoning_summary_text.done":
                    Assert.Equal(open[itemId!].ToString(), (string?)json["text"]);
                    break;
                case "response.function_call_arguments.done":
                    Assert.Equal(open[itemId!].ToString(), (string?)json["arguments"]);
                    break;
                case "response.custom_tool_call_input.done":
                    Assert.Equal(open[itemId!].ToString(), (string?)json["input"]);
                    break;
                case "response.output_item.done":
                    Assert.True(open.ContainsKey(itemId!) && done.Add(itemId!), $"{itemId} done without added, or twice");
                    break;
                case "response.completed":
                    Assert.Equal(events.Count - 1, i);
                    Assert.Equal(open.Count, done.Count);
                    Assert.Equal("completed", (string?)json["response"]!["status"]);
                    return json["response"]!;
                default:
                    break;
            }
        }

        throw new Xunit.Sdk.XunitException("no response.completed");
    }
}
