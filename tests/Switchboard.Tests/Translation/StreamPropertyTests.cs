using System.Text.Json.Nodes;
using CsCheck;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

public sealed class StreamPropertyTests
{
    private static readonly Gen<OpenAiStreamScenario> Scenarios =
        Gen.Select(Gen.Int, Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, OpenAiStreamScenario.Create);

    [Fact]
    public void OnChunk_AnyValidChunkStreamSplitAnywhere_WellFormedAndFaithful()
    {
        Gen.Select(Scenarios, Gen.Int).Sample((scenario, splitSeed) =>
        {
            var names = new StreamRunnerNames();
            var output = StreamRunner.OpenAiToAnthropic(StreamRunner.Random(scenario.StreamBytes(names), splitSeed),
                new OpenAiToAnthropicStreamTranslator("m", "msg_p", names.Map, 10));

            var validator = new AnthropicEventValidator();
            validator.Validate(GoldenFiles.ParseSse(output));

            Assert.Equal(scenario.Reasoning, string.Concat(validator.Blocks.Where(b => (string?)b["type"] == "thinking").Select(b => (string?)b["thinking"])));
            Assert.Equal(scenario.Content, string.Concat(validator.Blocks.Where(b => (string?)b["type"] == "text").Select(b => (string?)b["text"])));
            var tools = validator.Blocks.Where(b => (string?)b["type"] == "tool_use").ToDictionary(b => (string)b["id"]!);
            Assert.Equal(scenario.Tools.Count, tools.Count);
            foreach (var (id, name, arguments) in scenario.Tools)
            {
                Assert.Equal(name, (string?)tools[id]["name"]);
                Assert.True(JsonNode.DeepEquals(arguments, tools[id]["input"]), $"{id}: {tools[id]["input"]} != {arguments}");
            }

            Assert.Equal(scenario.StopReason, validator.StopReason);
        }, iter: 400);
    }
}
