using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation;
using Switchboard.Translation.Gemini;

namespace Switchboard.Tests.Translation.Gemini;

public sealed class GeminiRequestTranslatorTests
{
    private const string Set = "Gemini/Request";

    public static TheoryData<string> Cases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToPivot_GoldenCase_MatchesExpected(string name)
    {
        var input = JsonNode.Parse(GoldenFiles.Input(Set, name))!;
        var opts = input["options"];
        var request = input["requestFile"] is { } file
            ? File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(GoldenFiles.InputPath(Set, name))!, (string)file!))
            : Encoding.UTF8.GetBytes(input["request"]!.ToJsonString());

        var result = GeminiRequestTranslator.ToPivot(request, Options(opts));

        var actual = new JsonObject
        {
            ["stream"] = result.Stream,
            ["requestedModel"] = result.RequestedModel,
            ["includeThoughts"] = result.IncludeThoughts,
            ["body"] = JsonNode.Parse(result.Body),
            ["notes"] = new JsonArray([.. result.Notes.Select(n => JsonValue.Create(n))]),
        };
        GoldenFiles.AssertJson(Set, name, Encoding.UTF8.GetBytes(actual.ToJsonString()));
    }

    [Theory]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"contents\":[", "not valid JSON")]
    [InlineData("{}", "contents: field required")]
    [InlineData("{\"contents\":\"hello\"}", "contents: must be an array")]
    [InlineData("{\"contents\":[\"hello\"]}", "contents[0]: must be an object")]
    [InlineData("{\"contents\":[{\"role\":\"user\",\"parts\":\"hi\"}]}", "contents[0].parts: must be an array")]
    [InlineData("{\"contents\":[{\"role\":\"user\",\"parts\":[\"hi\"]}]}", "contents[0].parts[0]: must be an object")]
    [InlineData("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":5}]}]}", "contents[0].parts[0].text: must be a string")]
    [InlineData("{\"contents\":[{\"role\":7,\"parts\":[{\"text\":\"x\"}]}]}", "contents[0].role: must be a string")]
    [InlineData("{\"contents\":[]}", "nothing this model can read")]
    [InlineData("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"videoMetadata\":{}}]}]}", "nothing this model can read")]
    [InlineData("{\"contents\":[{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"args\":{}}}]}]}", "functionCall.name: field required")]
    [InlineData("{\"contents\":[{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":[1]}}]}]}", "functionCall.args: must be an object")]
    [InlineData("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"inlineData\":{\"mimeType\":\"text/plain\",\"data\":\"***\"}}]}]}", "not valid base64")]
    [InlineData("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"x\"},{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"@@not base64!!\"}}]}]}", "parts[1].inlineData.data: not valid base64")]
    [InlineData("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"\"}}]}]}", "inlineData.data: not valid base64")]
    [InlineData("{\"contents\":[{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{}}}]},{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"f\",\"response\":{},\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"ab+_cw==\"}}]}}]}]}", "not valid base64")]
    [InlineData("{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"generationConfig\":[]}", "generationConfig: must be an object")]
    [InlineData("{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"generationConfig\":{\"temperature\":\"hot\"}}", "generationConfig.temperature: must be a number")]
    [InlineData("{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"generationConfig\":{\"maxOutputTokens\":\"9\"}}", "maxOutputTokens: must be a number")]
    [InlineData("{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"generationConfig\":{\"stopSequences\":\"END\"}}", "stopSequences: must be an array")]
    [InlineData("{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"tools\":{\"functionDeclarations\":[]}}", "tools: must be an array")]
    [InlineData("{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"tools\":[{\"functionDeclarations\":[{\"description\":\"d\"}]}]}", "name: field required")]
    [InlineData("{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"tools\":[{\"functionDeclarations\":[{\"name\":\"f\",\"parameters\":\"x\"}]}]}", "parameters: must be an object")]
    [InlineData("{\"contents\":[{\"parts\":[{\"text\":\"\\ud800\"}]}]}", "not valid Unicode")]
    public void ToPivot_InvalidRequest_ThrowsTranslationException(string body, string expectedMessagePart)
    {
        var e = Assert.Throws<TranslationException>(() => GeminiRequestTranslator.ToPivot(Encoding.UTF8.GetBytes(body), Options(null)));
        Assert.Contains(expectedMessagePart, e.Message);
    }

    [Theory]
    [InlineData("ab+/cw==", "ab+/cw==")]
    [InlineData("ab-_cw==", "ab+/cw==")] // the URL-safe alphabet, which the google-genai Python SDK sends and Google accepts
    [InlineData("ab-_cw", "ab+/cw==")] // and without padding
    public void ToPivot_InlineImage_SentAsStandardBase64DataUrl(string data, string sent)
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"contents":[{"role":"user","parts":[{"text":"x"},{"inlineData":{"mimeType":"image/png","data":"{{{data}}}"}}]}]}""");

        var pivot = JsonNode.Parse(GeminiRequestTranslator.ToPivot(body, Options(null)).Body)!;

        Assert.Equal("data:image/png;base64," + sent, (string?)pivot["messages"]![0]!["content"]![1]!["image_url"]!["url"]);
    }

    [Theory]
    [InlineData("aGk/")]
    [InlineData("aGk_")]
    public void ToPivot_InlineTextInEitherBase64Alphabet_Decoded(string data)
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"contents":[{"role":"user","parts":[{"inlineData":{"mimeType":"text/plain","data":"{{{data}}}"}}]}]}""");

        var pivot = JsonNode.Parse(GeminiRequestTranslator.ToPivot(body, Options(null)).Body)!;

        Assert.Contains("hi?", pivot["messages"]![0]!["content"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToPivot_SameHistoryTwice_DerivesTheSameCallIds()
    {
        var body = Encoding.UTF8.GetBytes("""
            {"contents":[{"role":"user","parts":[{"text":"go"}]},
              {"role":"model","parts":[{"functionCall":{"name":"a","args":{}}},{"functionCall":{"name":"b","args":{}}}]},
              {"role":"user","parts":[{"functionResponse":{"name":"b","response":{"output":"B"}}},{"functionResponse":{"name":"a","response":{"output":"A"}}}]}]}
            """);

        var first = JsonNode.Parse(GeminiRequestTranslator.ToPivot(body, Options(null)).Body)!;
        var second = JsonNode.Parse(GeminiRequestTranslator.ToPivot(body, Options(null)).Body)!;

        Assert.True(JsonNode.DeepEquals(first, second));
        var messages = first["messages"]!.AsArray();
        var calls = messages[1]!["tool_calls"]!.AsArray();
        var idOf = calls.ToDictionary(c => (string)c!["function"]!["name"]!, c => (string)c!["id"]!);
        Assert.NotEqual(idOf["a"], idOf["b"]);
        Assert.Equal(idOf["b"], (string?)messages[2]!["tool_call_id"]);
        Assert.Equal("B", (string?)messages[2]!["content"]);
        Assert.Equal(idOf["a"], (string?)messages[3]!["tool_call_id"]);
        Assert.Equal("A", (string?)messages[3]!["content"]);
    }

    [Fact]
    public void ToPivot_ReasoningModel_StopAndPenaltiesLeftOutWithNotes()
    {
        // OpenAI's reasoning models answer 400 to stop, presence_penalty and frequency_penalty (docs/compatibility.md).
        const string Body = """{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"stopSequences":["END"],"presencePenalty":0.5,"frequency_penalty":0.2}}""";

        var result = GeminiRequestTranslator.ToPivot(Encoding.UTF8.GetBytes(Body), Options(JsonNode.Parse("""{"upstreamModel":"o3"}""")));

        var json = JsonNode.Parse(result.Body)!.AsObject();
        Assert.False(json.ContainsKey("stop"));
        Assert.False(json.ContainsKey("presence_penalty"));
        Assert.False(json.ContainsKey("frequency_penalty"));
        Assert.Contains("generationConfig.stopSequences: a reasoning model does not take it, left out", result.Notes);
        Assert.Contains("generationConfig.presencePenalty: a reasoning model does not take it, left out", result.Notes);
        Assert.Contains("generationConfig.frequency_penalty: a reasoning model does not take it, left out", result.Notes);
    }

    [Fact]
    public void ToPivot_MoreThanFourStopSequences_FirstFourKeptWithNote()
    {
        const string Body = """{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"stopSequences":["a","b","c","d","e"]}}""";

        var result = GeminiRequestTranslator.ToPivot(Encoding.UTF8.GetBytes(Body), Options(JsonNode.Parse("""{"upstreamModel":"gpt-4.1"}""")));

        Assert.Equal(["a", "b", "c", "d"], JsonNode.Parse(result.Body)!["stop"]!.AsArray().Select(s => (string)s!));
        Assert.Contains(result.Notes, n => n.StartsWith("generationConfig.stopSequences:", StringComparison.Ordinal) && n.Contains("first 4", StringComparison.Ordinal));
    }

    internal static GeminiToPivotOptions Options(JsonNode? opts) => new()
    {
        RequestedModel = (string?)opts?["requestedModel"] ?? "gemini-pool",
        UpstreamModel = (string?)opts?["upstreamModel"] ?? "glm-4.6",
        IsGlm = (bool?)opts?["isGlm"] ?? false,
        Stream = (bool?)opts?["stream"] ?? false,
        MaxOutputTokens = (int?)opts?["maxOutputTokens"],
        OmitStreamOptions = (bool?)opts?["omitStreamOptions"] ?? false,
        ReasoningModel = (bool?)opts?["reasoningModel"],
    };
}
