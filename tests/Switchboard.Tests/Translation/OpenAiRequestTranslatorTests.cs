using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

public sealed class OpenAiRequestTranslatorTests
{
    private const string Set = "OpenAiRequest";

    public static TheoryData<string> Cases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToAnthropic_GoldenCase_MatchesExpected(string name)
    {
        var input = JsonNode.Parse(GoldenFiles.Input(Set, name))!;
        var options = new OpenAiToAnthropicOptions
        {
            UpstreamModel = (string)input["options"]!["upstreamModel"]!,
            DefaultMaxTokens = (int?)input["options"]!["defaultMaxTokens"] ?? 4096,
        };

        var result = OpenAiRequestTranslator.ToAnthropic(Encoding.UTF8.GetBytes(input["request"]!.ToJsonString()), options);

        var actual = new JsonObject
        {
            ["stream"] = result.Stream,
            ["includeUsage"] = result.IncludeUsage,
            ["requestedModel"] = result.RequestedModel,
            ["sessionId"] = result.SessionId,
            ["body"] = JsonNode.Parse(result.Body),
            ["notes"] = new JsonArray([.. result.Notes.Select(n => JsonValue.Create(n))]),
        };
        if (result.JsonToolName is { } jsonTool)
        {
            actual["jsonToolName"] = jsonTool;
        }

        GoldenFiles.AssertJson(Set, name, Encoding.UTF8.GetBytes(actual.ToJsonString()));
    }

    [Theory]
    [InlineData("{\"model\":\"m\"}", "messages")]
    [InlineData("{\"model\":\"m\",\"messages\":\"hello\"}", "messages")]
    [InlineData("{\"model\":\"m\",\"messages\":[42]}", "messages[0]: must be an object")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":42}]}", "messages[0].content")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{}}]}", "tools[0].function.name")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800\"}]}", "not valid Unicode")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "tool_call_id")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":null},{\"role\":\"system\",\"content\":\"\"}]}", "nothing this model can read")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,@@@\"}}]}]}", "messages[0].content[0].image_url.url: the data URL's data is not valid base64")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,ab+_cw==\"}}]}]}", "not valid base64")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,\"}}]}]}", "not valid base64")]
    public void ToAnthropic_InvalidRequest_ThrowsTranslationException(string body, string expectedMessagePart)
    {
        var e = Assert.Throws<TranslationException>(() =>
            OpenAiRequestTranslator.ToAnthropic(Encoding.UTF8.GetBytes(body), new OpenAiToAnthropicOptions { UpstreamModel = "claude" }));
        Assert.Contains(expectedMessagePart, e.Message);
    }

    [Theory]
    [InlineData("ab+/cw==", "ab+/cw==")]
    [InlineData("ab-_cw", "ab+/cw==")] // URL-safe, unpadded: sent in the alphabet Anthropic reads
    public void ToAnthropic_ImageDataUrl_SentAsStandardBase64(string data, string sent)
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,{{{data}}}"}}]}]}""");

        var result = OpenAiRequestTranslator.ToAnthropic(body, new OpenAiToAnthropicOptions { UpstreamModel = "claude" });

        var source = JsonNode.Parse(result.Body)!["messages"]![0]!["content"]![0]!["source"]!;
        Assert.Equal("image/png", (string?)source["media_type"]);
        Assert.Equal(sent, (string?)source["data"]);
    }
}
