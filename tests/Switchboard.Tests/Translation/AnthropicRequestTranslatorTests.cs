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
            ReasoningModel = (bool?)opts?["reasoningModel"],
        };

        // Recorded Claude Code requests live once under Golden/AnthropicRequest/recorded and serve several cases.
        var request = input["requestFile"] is { } file
            ? File.ReadAllBytes(Path.Combine(GoldenFiles.Root(), Set, (string)file!))
            : Encoding.UTF8.GetBytes(input["request"]!.ToJsonString());
        var result = AnthropicRequestTranslator.ToOpenAi(request, options);

        var actual = new JsonObject
        {
            ["stream"] = result.Stream,
            ["requestedModel"] = result.RequestedModel,
            ["sessionId"] = result.SessionId,
            ["body"] = JsonNode.Parse(result.Body),
            ["notes"] = new JsonArray([.. result.Notes.Select(n => JsonValue.Create(n))]),
        };
        GoldenFiles.AssertJson(Set, name, Encoding.UTF8.GetBytes(actual.ToJsonString()));
    }

    [Theory]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"model\":\"m\"", "not valid JSON")]
    [InlineData("{\"model\":\"m\",\"max_tokens\":5}", "messages")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"no type\"}]}]}", "content[0]")]
    [InlineData("{\"model\":\"m\",\"messages\":\"hello\"}", "messages")]
    [InlineData("{\"model\":\"m\",\"messages\":[\"hello\"]}", "messages[0]: must be an object")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":42}]}", "messages[0].content")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\"}]}]}", "tool_use_id")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"input_schema\":{}}]}", "tools[0].name")]
    [InlineData("{\"model\":\"m\",\"messages\":[]}", "nothing this model can read")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"redacted_thinking\",\"data\":\"x\"}]}]}", "nothing this model can read")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800\"}]}", "not valid Unicode")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\\udc00b\"}]}]}", "not valid Unicode")]
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

    [Fact]
    public void ToOpenAi_InvalidUtf8_ThrowsTranslationException()
    {
        byte[] body = [.. "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a"u8, 0xC3, 0x28, .. "\"}]}"u8];

        var e = Assert.Throws<TranslationException>(() =>
            AnthropicRequestTranslator.ToOpenAi(body, new AnthropicToOpenAiOptions { UpstreamModel = "gpt-4.1" }));

        Assert.Contains("not valid", e.Message);
    }

    [Theory]
    [InlineData("low", "gpt-5", "low")]
    [InlineData("minimal", "o3", "low")]
    [InlineData("medium", "o4-mini", "medium")]
    [InlineData("high", "gpt-5.2", "high")]
    [InlineData("xhigh", "openai/gpt-5-mini", "high")]
    [InlineData("max", "o1", "high")]
    [InlineData("ultra", "gpt-5", null)]
    [InlineData("high", "gpt-4.1", null)]
    [InlineData("high", "gpt-5-chat-latest", null)]
    [InlineData("high", "o1-mini", null)]
    public void ToOpenAi_OutputConfigEffort_ClampedToReasoningEffort(string effort, string upstreamModel, string? expected)
    {
        var body = $$$"""{"model":"claude","max_tokens":100,"temperature":0.5,"messages":[{"role":"user","content":"x"}],"thinking":{"type":"adaptive"},"output_config":{"effort":"{{{effort}}}"}}""";

        var result = AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(body), new AnthropicToOpenAiOptions { UpstreamModel = upstreamModel });

        var json = JsonNode.Parse(result.Body)!.AsObject();
        Assert.Equal(expected, (string?)json["reasoning_effort"]);
        var reasoningModel = AnthropicToOpenAiOptions.IsReasoningModel(upstreamModel);
        Assert.Equal(reasoningModel, json.ContainsKey("max_completion_tokens"));
        Assert.Equal(!reasoningModel, json.ContainsKey("max_tokens"));
        Assert.Equal(!reasoningModel, json.ContainsKey("temperature"));
    }

    [Fact]
    public void ToOpenAi_ThinkingDisabled_NoReasoningEffortEvenWithEffort()
    {
        const string Body = """{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"x"}],"thinking":{"type":"disabled"},"output_config":{"effort":"high"}}""";

        var result = AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(Body), new AnthropicToOpenAiOptions { UpstreamModel = "gpt-5" });

        Assert.False(JsonNode.Parse(result.Body)!.AsObject().ContainsKey("reasoning_effort"));
    }

    [Fact]
    public void ToOpenAi_HugeUnknownRoleAndManyUnknownBlocks_NotesQuoteLittleAndStayBounded()
    {
        var role = new string('r', 5000);
        var blocks = string.Join(",", Enumerable.Repeat("""{"type":"mystery_block","data":1}""", 1000));
        var body = $$$"""{"model":"claude","max_tokens":10,"messages":[{"role":"{{{role}}}","content":[{{{blocks}}},{"type":"text","text":"hi"}]}]}""";

        var result = AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(body), new AnthropicToOpenAiOptions { UpstreamModel = "gpt-4.1" });

        Assert.Equal(TranslationNotes.MaxNotes + 1, result.Notes.Count);
        Assert.All(result.Notes, n => Assert.True(n.Length < 200, n));
        Assert.EndsWith("and 969 more", result.Notes[^1]);
    }

    [Theory]
    [InlineData("o3")]
    [InlineData("o4-mini")]
    [InlineData("gpt-5")]
    [InlineData("gpt-5.1")]
    [InlineData("openai/gpt-5-mini")]
    public void ToOpenAi_StopSequencesForReasoningModel_LeftOutWithNote(string upstreamModel)
    {
        // OpenAI answers 400 "Unsupported parameter: 'stop'" to its reasoning models (docs/compatibility.md).
        const string Body = """{"model":"claude","max_tokens":100,"temperature":0.3,"stop_sequences":["END"],"messages":[{"role":"user","content":"x"}]}""";

        var result = AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(Body), new AnthropicToOpenAiOptions { UpstreamModel = upstreamModel });

        Assert.False(JsonNode.Parse(result.Body)!.AsObject().ContainsKey("stop"));
        Assert.Contains(result.Notes, n => n.StartsWith("stop_sequences:", StringComparison.Ordinal) && n.Contains("reasoning model", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("gpt-4.1", false)]
    [InlineData("glm-4.6", true)]
    public void ToOpenAi_MoreThanFourStopSequences_FirstFourKeptWithNote(string upstreamModel, bool isGlm)
    {
        const string Body = """{"model":"claude","max_tokens":100,"stop_sequences":["a",7,"b","c","d","e","f"],"messages":[{"role":"user","content":"x"}]}""";

        var result = AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(Body), new AnthropicToOpenAiOptions { UpstreamModel = upstreamModel, IsGlm = isGlm });

        var stop = JsonNode.Parse(result.Body)!["stop"]!.AsArray();
        Assert.Equal(["a", "b", "c", "d"], stop.Select(s => (string)s!));
        Assert.Contains(result.Notes, n => n.StartsWith("stop_sequences:", StringComparison.Ordinal) && n.Contains("first 4", StringComparison.Ordinal));
    }

    [Fact]
    public void ToOpenAi_FourStopSequences_AllSentWithoutNote()
    {
        const string Body = """{"model":"claude","max_tokens":100,"stop_sequences":["a","b","c","d"],"messages":[{"role":"user","content":"x"}]}""";

        var result = AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(Body), new AnthropicToOpenAiOptions { UpstreamModel = "gpt-4.1" });

        Assert.Equal(4, JsonNode.Parse(result.Body)!["stop"]!.AsArray().Count);
        Assert.Empty(result.Notes);
    }

    [Fact]
    public void ToOpenAi_CodeExecutionResultsInHistory_OutputKeptAsText()
    {
        const string Body = """
            {"model":"claude","max_tokens":100,"messages":[
              {"role":"user","content":"run it"},
              {"role":"assistant","content":[
                {"type":"server_tool_use","id":"srvtoolu_1","name":"code_execution","input":{"code":"print(1)"}},
                {"type":"code_execution_tool_result","tool_use_id":"srvtoolu_1","content":{"type":"code_execution_result","stdout":"one-out\n","stderr":"one-err","return_code":0,"content":[]}},
                {"type":"bash_code_execution_tool_result","tool_use_id":"srvtoolu_2","content":{"type":"bash_code_execution_result","stdout":"bash-ok","stderr":"","return_code":0,"content":[]}},
                {"type":"text_editor_code_execution_tool_result","tool_use_id":"srvtoolu_3","content":{"type":"text_editor_code_execution_view_result","file_type":"text","content":"viewed file","num_lines":1,"start_line":1,"total_lines":1}},
                {"type":"text_editor_code_execution_tool_result","tool_use_id":"srvtoolu_4","content":{"type":"text_editor_code_execution_str_replace_result","lines":["-old line","+new line"],"new_lines":1,"new_start":1,"old_lines":1,"old_start":1}}]},
              {"role":"user","content":"thanks"}]}
            """;

        var result = AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(Body), new AnthropicToOpenAiOptions { UpstreamModel = "gpt-4.1" });

        var assistant = (string)JsonNode.Parse(result.Body)!["messages"]![1]!["content"]!;
        foreach (var expected in new[] { "one-out", "one-err", "bash-ok", "viewed file", "-old line\n+new line" })
        {
            Assert.Contains(expected, assistant, StringComparison.Ordinal);
        }
    }
}
