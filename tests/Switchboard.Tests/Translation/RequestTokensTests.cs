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

    [Fact]
    public void CountAnthropicRequest_InvalidJson_ThrowsTranslationException() =>
        Assert.Throws<TranslationException>(() => RequestTokens.CountAnthropicRequest("{oops"u8));

    [Fact]
    public void CountTokensResponse_AnthropicShape() =>
        Assert.Equal("{\"input_tokens\":42}", Encoding.UTF8.GetString(RequestTokens.CountTokensResponse(42)));
}
