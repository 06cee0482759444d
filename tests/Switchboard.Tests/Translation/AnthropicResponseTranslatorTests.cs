using System.Text.Json.Nodes;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

public sealed class AnthropicResponseTranslatorTests
{
    private const string Set = "AnthropicResponse";

    public static TheoryData<string> Cases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToOpenAi_GoldenCase_MatchesExpected(string name)
    {
        // Cases named json-tool-* answered a JSON response_format through the forced tool.
        var jsonTool = name.StartsWith("json-tool", StringComparison.Ordinal) ? OpenAiRequestTranslator.JsonToolName : null;
        var result = AnthropicResponseTranslator.ToOpenAi(GoldenFiles.Input(Set, name), "gpt-4o", 1_700_000_000, out var usage, jsonTool);

        GoldenFiles.AssertJson(Set, name, result);
        Assert.Equal(usage.InputTokens, (int)JsonNode.Parse(result)!["usage"]!["prompt_tokens"]!);
    }
}
