using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation;
using Switchboard.Translation.Gemini;

namespace Switchboard.Tests.Translation.Gemini;

public sealed class GeminiAnswerTranslatorTests
{
    private const string Set = "Gemini/Answer";

    /// <summary>The pivot answers every spoke is tested with (Golden/OpenAiResponse), translated for a Gemini client.</summary>
    public static TheoryData<string> PivotCases => GoldenFiles.Cases("OpenAiResponse");

    public static TheoryData<string> OwnCases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(PivotCases))]
    public void FromPivot_SharedPivotAnswer_MatchesExpected(string name) =>
        Check(GoldenFiles.Input("OpenAiResponse", name), "pivot-" + name);

    [Theory]
    [MemberData(nameof(OwnCases))]
    public void FromPivot_GoldenCase_MatchesExpected(string name) =>
        Check(GoldenFiles.Input(Set, name), name);

    [Fact]
    public void FromPivot_NotJson_ThrowsTranslationException()
    {
        var e = Assert.Throws<TranslationException>(() =>
            GeminiAnswerTranslator.FromPivot("<html>"u8, Request(true), 1, out _));
        Assert.Contains("not valid JSON", e.Message);
    }

    [Theory]
    [InlineData(-100000)]
    [InlineData(3000000000)]
    public void FromPivot_UsageNoCounterGives_BilledByTheEstimate(long completionTokens)
    {
        var answer = Encoding.UTF8.GetBytes("""{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":"""
            + completionTokens.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}");

        var bytes = GeminiAnswerTranslator.FromPivot(answer, Request(true), 9, out var usage);

        Assert.True(usage.Estimated);
        Assert.Equal(9, usage.InputTokens);
        Assert.InRange(usage.OutputTokens, 1, 10);
        var metadata = JsonNode.Parse(bytes)!["usageMetadata"]!;
        Assert.Equal(usage.OutputTokens, (int)metadata["candidatesTokenCount"]!);
    }

    internal static GeminiPivotRequest Request(bool includeThoughts) => new()
    {
        Body = [],
        Stream = false,
        RequestedModel = "gemini-pool",
        IncludeThoughts = includeThoughts,
        ToolNames = StreamRunner.Names(),
    };

    private static void Check(byte[] inputBytes, string expectedName)
    {
        var input = JsonNode.Parse(inputBytes)!;
        var answer = Encoding.UTF8.GetBytes(input["response"]!.ToJsonString());

        var bytes = GeminiAnswerTranslator.FromPivot(answer, Request((bool?)input["includeThoughts"] ?? true), (int?)input["estimatedInputTokens"] ?? 0, out var usage);

        var actual = new JsonObject
        {
            ["answer"] = JsonNode.Parse(bytes),
            ["billed"] = new JsonObject { ["input"] = usage.InputTokens, ["output"] = usage.OutputTokens, ["cached"] = usage.CachedInputTokens, ["estimated"] = usage.Estimated },
        };
        GoldenFiles.AssertJson(Set, expectedName, Encoding.UTF8.GetBytes(actual.ToJsonString()));
    }
}
