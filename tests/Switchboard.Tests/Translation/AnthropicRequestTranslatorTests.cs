using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

public sealed class AnthropicRequestTranslatorTests
{
    private const string Set = "AnthropicRequest";

    public static TheoryData<string> Cases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToOpenAi_GoldenCase_MatchesExpected(string name)
    {
        var input = JsonNode.Parse(GoldenFiles.Input(Set, name))!;
        var opts = input["options"];
        var options = new AnthropicToOpenAiOptions
        {
            UpstreamModel = (string?)opts?["upstreamModel"] ?? "glm-4.6",
            IsGlm = (bool?)opts?["isGlm"] ?? false,
            MaxOutputTokens = (int?)opts?["maxOutputTokens"],
            OmitStreamOptions = (bool?)opts?["omitStreamOptions"] ?? false,
        };

        var result = AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(input["request"]!.ToJsonString()), options);

        var actual = new JsonObject
        {
            ["stream"] = result.Stream,
            ["requestedModel"] = result.RequestedModel,
            ["sessionId"] = result.SessionId,
            ["body"] = JsonNode.Parse(result.Body),
        };
        GoldenFiles.AssertJson(Set, name, Encoding.UTF8.GetBytes(actual.ToJsonString()));
    }

    [Theory]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"model\":\"m\"", "not valid JSON")]
    [InlineData("{\"model\":\"m\",\"max_tokens\":5}", "messages")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"wat\"}]}]}", "\"wat\"")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"no type\"}]}]}", "content[0]")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", "role")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":\"application/pdf\",\"data\":\"JVBERi0=\"}}]}]}", "application/pdf documents are not supported")]
    public void ToOpenAi_InvalidRequest_ThrowsTranslationException(string body, string expectedMessagePart)
    {
        var e = Assert.Throws<TranslationException>(() =>
            AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(body), new AnthropicToOpenAiOptions { UpstreamModel = "glm-4.6" }));
        Assert.Contains(expectedMessagePart, e.Message);
    }

    [Fact]
    public void ToOpenAi_LongToolName_ShortenedConsistentlyAndRestorable()
    {
        var longName = StreamRunner.LongToolName;
        var body = $$$"""
            {"model":"claude","max_tokens":10,"messages":[
              {"role":"user","content":"hi"},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"{{{longName}}}","input":{"a":1}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}],
             "tools":[{"name":"{{{longName}}}","input_schema":{"type":"object"}}],
             "tool_choice":{"type":"tool","name":"{{{longName}}}"}}
            """;

        var result = AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(body), new AnthropicToOpenAiOptions { UpstreamModel = "gpt" });

        var json = JsonNode.Parse(result.Body)!;
        var shortName = (string)json["tools"]![0]!["function"]!["name"]!;
        Assert.True(shortName.Length <= 64);
        Assert.Equal(shortName, (string?)json["messages"]![1]!["tool_calls"]![0]!["function"]!["name"]);
        Assert.Equal(shortName, (string?)json["tool_choice"]!["function"]!["name"]);
        Assert.Equal(longName, result.ToolNames.Restore(shortName));
        Assert.Equal("Read", result.ToolNames.Restore("Read"));
    }
}
