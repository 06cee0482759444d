using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation;
using Switchboard.Translation.Responses;

namespace Switchboard.Tests.Translation.Responses;

public sealed class ResponsesRequestTranslatorTests
{
    private const string Set = "ResponsesRequest";

    public static TheoryData<string> Cases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToPivot_GoldenCase_MatchesExpected(string name)
    {
        var input = JsonNode.Parse(GoldenFiles.Input(Set, name))!;
        var opts = input["options"];
        var options = new AnthropicToOpenAiOptions
        {
            UpstreamModel = (string?)opts?["upstreamModel"] ?? "glm-4.6",
            IsGlm = (bool?)opts?["isGlm"] ?? false,
            MaxOutputTokens = (int?)opts?["maxOutputTokens"],
            ReasoningModel = (bool?)opts?["reasoningModel"],
        };

        // Recorded Codex requests live once under Golden/ResponsesRequest/recorded and serve several cases.
        var request = input["requestFile"] is { } file
            ? File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(GoldenFiles.InputPath(Set, name))!, (string)file!))
            : Encoding.UTF8.GetBytes(input["request"]!.ToJsonString());
        var history = input["history"] is { } h ? Encoding.UTF8.GetBytes(h.ToJsonString()) : [];
        var result = ResponsesRequestTranslator.ToPivot(request, history, options);

        var actual = new JsonObject
        {
            ["stream"] = result.Stream,
            ["requestedModel"] = result.RequestedModel,
            ["sessionId"] = result.SessionId,
            ["store"] = result.Store,
            ["body"] = JsonNode.Parse(result.Body),
            ["inputItemCount"] = JsonNode.Parse(result.InputItems)!.AsArray().Count,
            ["notes"] = new JsonArray([.. result.Notes.Select(n => JsonValue.Create(n))]),
        };
        GoldenFiles.AssertJson(Set, name, Encoding.UTF8.GetBytes(actual.ToJsonString()));
    }

    [Theory]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"model\":\"m\"", "not valid JSON")]
    [InlineData("{\"model\":\"m\"}", "'input'")]
    [InlineData("{\"model\":\"m\",\"input\":42}", "Invalid type for 'input'")]
    [InlineData("{\"model\":\"m\",\"input\":[\"x\",7]}", "'input[1]'")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"content\":\"no type, no role\"}]}", "'input[0].type'")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"type\":\"message\",\"content\":\"x\"}]}", "'input[0].role'")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":42}]}", "'input[0].content'")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}", "'input[0].call_id'")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"call_id\":\"c\"}]}", "'input[0].name'")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"tools\":{}}", "Invalid type for 'tools'")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\"}]}", "'tools[0].name'")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":\"9\"}", "'max_output_tokens'")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":0}", "'max_output_tokens'")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"temperature\":\"hot\"}", "'temperature'")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"instructions\":[1]}", "'instructions'")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"stream\":\"yes\"}", "'stream'")]
    [InlineData("{\"model\":\"m\",\"input\":[]}", "nothing this model can read")]
    [InlineData("{\"model\":\"m\",\"input\":\"\\ud800\"}", "not valid Unicode")]
    public void ToPivot_InvalidRequest_ThrowsTranslationException(string body, string expectedMessagePart)
    {
        var e = Assert.Throws<TranslationException>(() =>
            ResponsesRequestTranslator.ToPivot(Encoding.UTF8.GetBytes(body), [], new AnthropicToOpenAiOptions { UpstreamModel = "glm-4.6" }));
        Assert.Contains(expectedMessagePart, e.Message);
    }

    [Fact]
    public void ToPivot_UnknownFieldsAndItems_NeverFail()
    {
        var body = """{"model":"m","input":[{"type":"item_reference","id":"x"},{"role":"user","content":"hi"}],"brand_new_field":{"x":1},"include":["a"]}""";

        var result = ResponsesRequestTranslator.ToPivot(Encoding.UTF8.GetBytes(body), [], new AnthropicToOpenAiOptions { UpstreamModel = "gpt-4.1" });

        Assert.Contains(result.Notes, n => n.Contains("item_reference", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.Contains("brand_new_field", StringComparison.Ordinal));
    }

    [Fact]
    public void ToolNames_NamespaceAndLongName_MapBackExactly()
    {
        var request = ResponsesFixture.Translated();

        Assert.Equal(("multi_agent_v1", "spawn_agent"), request.ToolNames.Restore("multi_agent_v1__spawn_agent"));
        Assert.Equal(((string?)null, StreamRunner.LongToolName), request.ToolNames.Restore(ToolNameMap.ShortenName(StreamRunner.LongToolName)));
        Assert.Equal(((string?)null, "exec_command"), request.ToolNames.Restore("exec_command"));
    }

    [Theory]
    [InlineData("{\"model\":\"m\",\"previous_response_id\":\"resp_1\",\"input\":\"x\"}", "resp_1")]
    [InlineData("{\"input\":{\"previous_response_id\":\"nested\"},\"model\":\"m\"}", null)]
    [InlineData("{\"previous_response_id\":7}", null)]
    [InlineData("not json", null)]
    public void PreviousResponseId_Skim_FindsTopLevelStringOnly(string body, string? expected) =>
        Assert.Equal(expected, ResponsesRequestTranslator.PreviousResponseId(Encoding.UTF8.GetBytes(body)));
}
