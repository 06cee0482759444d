using System.Text;
using Switchboard.Translation;
using Switchboard.Usage;

namespace Switchboard.Tests.Translation;

/// <summary>Lives beside the translation tests: the token counter serves count_tokens and stream usage estimates.</summary>
public sealed class RequestTokensTests
{
    [Fact]
    public void CountText_KnownSentence_O200kCount()
    {
        Assert.Equal(10, TokenCounter.CountText("The quick brown fox jumps over the lazy dog."));
        Assert.Equal(0, TokenCounter.CountText(""));
    }

    [Fact]
    public void CountAnthropicRequest_CountsSystemMessagesAndTools()
    {
        var small = """{"model":"m","messages":[{"role":"user","content":"hi"}]}""";
        var full = """
            {"model":"m","system":[{"type":"text","text":"You are a careful assistant with many rules."}],
             "messages":[{"role":"user","content":"hi"},
               {"role":"assistant","content":[{"type":"thinking","thinking":"Plan the answer","signature":"s"},
                 {"type":"tool_use","id":"t","name":"Read","input":{"file_path":"/tmp/a.txt"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"file contents here"}]}]}],
             "tools":[{"name":"Read","description":"Read a file from disk","input_schema":{"type":"object","properties":{"file_path":{"type":"string"}}}}]}
            """;

        var smallCount = RequestTokens.CountAnthropicRequest(Encoding.UTF8.GetBytes(small));
        var fullCount = RequestTokens.CountAnthropicRequest(Encoding.UTF8.GetBytes(full));

        Assert.InRange(smallCount, 2, 10);
        Assert.True(fullCount > smallCount + 40, $"{fullCount} vs {smallCount}");
        Assert.Equal(fullCount, RequestTokens.CountAnthropicRequest(Encoding.UTF8.GetBytes(full)));
    }

    private static readonly string Words = string.Concat(Enumerable.Repeat("word ", 500));

    private static int CountUserContent(string blocks) =>
        RequestTokens.CountAnthropicRequest(Encoding.UTF8.GetBytes($$$"""{"model":"m","messages":[{"role":"user","content":[{{{blocks}}}]}]}"""));

    private static int CountAssistantContent(string blocks) =>
        RequestTokens.CountAnthropicRequest(Encoding.UTF8.GetBytes(
            $$$"""{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{{{blocks}}}]}]}"""));

    public static TheoryData<string, string> TextCarryingUserBlocks => new()
    {
        { "search_result", $$$"""{"type":"search_result","source":"s","title":"t","content":[{"type":"text","text":"{{{Words}}}"}]}""" },
        { "document with a content source", $$$"""{"type":"document","source":{"type":"content","content":[{"type":"text","text":"{{{Words}}}"}]}}""" },
        { "text/plain base64 document", $$$"""{"type":"document","source":{"type":"base64","media_type":"text/plain","data":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(Words))}}}"}}""" },
        { "search_result in a tool_result", $$$"""{"type":"tool_result","tool_use_id":"t","content":[{"type":"search_result","source":"s","title":"t","content":[{"type":"text","text":"{{{Words}}}"}]}]}""" },
        { "document with a content source in a tool_result", $$$"""{"type":"tool_result","tool_use_id":"t","content":[{"type":"document","source":{"type":"content","content":[{"type":"text","text":"{{{Words}}}"}]}}]}""" },
    };

    [Theory]
    [MemberData(nameof(TextCarryingUserBlocks))]
    public void CountAnthropicRequest_TextCarryingUserBlock_CountsItsText(string what, string block)
    {
        var asText = CountUserContent($$$"""{"type":"text","text":"{{{Words}}}"}""");

        var count = CountUserContent(block);

        // The same words as a text block: ~500 tokens. A flat figure or nothing (the undercount) is far from it.
        Assert.True(Math.Abs(count - asText) <= 20, $"{what}: {count} vs {asText} as a text block");
    }

    public static TheoryData<string, string> ServerToolResults => new()
    {
        { "web_search_tool_result", $$$"""{"type":"web_search_tool_result","tool_use_id":"s1","content":[{"type":"web_search_result","url":"https://a","title":"{{{Words}}}","encrypted_content":"x"}]}""" },
        { "web_fetch_tool_result", $$$$$"""{"type":"web_fetch_tool_result","tool_use_id":"s2","content":{"type":"web_fetch_result","url":"https://a","content":{"type":"document","source":{"type":"text","media_type":"text/plain","data":"{{{{{Words}}}}}"}}}}""" },
        { "mcp_tool_result", $$$"""{"type":"mcp_tool_result","tool_use_id":"m1","content":[{"type":"text","text":"{{{Words}}}"}]}""" },
        { "code_execution_tool_result", $$$"""{"type":"code_execution_tool_result","tool_use_id":"s3","content":{"type":"code_execution_result","stdout":"{{{Words}}}","stderr":"","return_code":0,"content":[]}}""" },
        { "bash_code_execution_tool_result", $$$"""{"type":"bash_code_execution_tool_result","tool_use_id":"s4","content":{"type":"bash_code_execution_result","stdout":"","stderr":"{{{Words}}}","return_code":1,"content":[]}}""" },
    };

    [Theory]
    [MemberData(nameof(ServerToolResults))]
    public void CountAnthropicRequest_ServerToolResultInHistory_CountsItsText(string what, string block)
    {
        var asText = CountAssistantContent($$$"""{"type":"text","text":"{{{Words}}}"}""");

        var count = CountAssistantContent(block);

        Assert.True(Math.Abs(count - asText) <= 20, $"{what}: {count} vs {asText} as a text block");
    }

    [Fact]
    public void CountAnthropicRequest_PdfDocument_StillAFlatFigure()
    {
        var count = CountUserContent("""{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}""");

        Assert.InRange(count, 1_000, 1_020);
    }

    [Fact]
    public void CountAnthropicRequest_InvalidJson_ThrowsTranslationException() =>
        Assert.Throws<TranslationException>(() => RequestTokens.CountAnthropicRequest("{oops"u8));

    [Fact]
    public void CountTokensResponse_AnthropicShape() =>
        Assert.Equal("{\"input_tokens\":42}", Encoding.UTF8.GetString(RequestTokens.CountTokensResponse(42)));
}
