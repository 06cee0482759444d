using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

public sealed class OpenAiResponseTranslatorTests
{
    private const string Set = "OpenAiResponse";

    public static TheoryData<string> Cases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToAnthropic_GoldenCase_MatchesExpected(string name)
    {
        var input = JsonNode.Parse(GoldenFiles.Input(Set, name))!;
        var response = Encoding.UTF8.GetBytes(input["response"]!.ToJsonString());

        var result = OpenAiResponseTranslator.ToAnthropic(
            response, StreamRunner.Model, StreamRunner.Names(), (int?)input["estimatedInputTokens"], out var usage);

        GoldenFiles.AssertJson(Set, name, result);
        var message = JsonNode.Parse(result)!;
        Assert.Equal(usage.AnthropicInputTokens, (int)message["usage"]!["input_tokens"]!);
        Assert.Equal(usage.OutputTokens, (int)message["usage"]!["output_tokens"]!);
    }

    [Fact]
    public void ToAnthropic_NoUsage_MarksUsageEstimated()
    {
        var response = """{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"hello world"},"finish_reason":"stop"}]}"""u8;

        OpenAiResponseTranslator.ToAnthropic(response, "m", ToolNameMap.Empty, 7, out var usage);

        Assert.True(usage.Estimated);
        Assert.Equal(7, usage.InputTokens);
        Assert.Equal(2, usage.OutputTokens);
    }

    [Fact]
    public void ToAnthropic_LongToolName_Restored()
    {
        var names = StreamRunner.Names();
        var shortName = ToolNameMap.ShortenName(StreamRunner.LongToolName);
        var response = Encoding.UTF8.GetBytes($$$"""
            {"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":null,
             "tool_calls":[{"id":"c","type":"function","function":{"name":"{{{shortName}}}","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}
            """);

        var message = JsonNode.Parse(OpenAiResponseTranslator.ToAnthropic(response, "m", names, 0))!;

        Assert.Equal(StreamRunner.LongToolName, (string?)message["content"]![0]!["name"]);
    }
}
