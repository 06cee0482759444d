using System.Text;
using Switchboard.Upstream;

namespace Switchboard.Tests.Upstream;

public sealed class AnswerCheckTests
{
    private const string Chat = """{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}""";
    private const string Message = """{"id":"msg","type":"message","role":"assistant","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}""";

    [Theory]
    [InlineData(Chat, "application/json", "Choices")]
    [InlineData(Chat, "application/json; charset=utf-8", "Choices")]
    [InlineData(Chat, null, "Choices")]
    [InlineData(Message, "application/json", "AnthropicMessage")]
    [InlineData("""{"object":"list","data":[{"embedding":[0.1]}]}""", "application/json", "Data")]
    [InlineData("""{"anything":1}""", "application/json", "AnyObject")]
    [InlineData(" \n" + Chat + "\n", "application/json", "Choices")]
    [InlineData(Chat, "application/json", "ChatChoices")]
    [InlineData("""{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[]},"finish_reason":"tool_calls"}]}""", "application/json", "ChatChoices")]
    [InlineData("""{"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"no"},"finish_reason":"stop"}]}""", "application/json", "ChatChoices")]
    [InlineData("""{"choices":[{"text":"hi","index":0,"finish_reason":"stop"}]}""", "application/json", "Choices")]
    [InlineData("""{"id":"msg","type":"message","role":"assistant","content":[],"stop_reason":"end_turn"}""", "application/json", "AnthropicMessage")]
    public void Check_ExpectedShape_Trusted(string body, string? contentType, string shape) =>
        Assert.Null(AnswerCheck.Check(Encoding.UTF8.GetBytes(body), contentType, Enum.Parse<AnswerShape>(shape)));

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>", "text/html", "Choices")]
    [InlineData("<html><body>502 Bad Gateway</body></html>", null, "Choices")]
    [InlineData("upstream connect error", "text/plain", "Choices")]
    [InlineData(Chat, "text/plain", "Choices")]
    [InlineData("", "application/json", "Choices")]
    [InlineData("""{"id":"c","choices":[{"index":0,"message":{"role":"assis""", "application/json", "Choices")]
    [InlineData("""[{"choices":[]}]""", "application/json", "Choices")]
    [InlineData("\"ok\"", "application/json", "Choices")]
    [InlineData("""{"id":"c","object":"chat.completion"}""", "application/json", "Choices")]
    [InlineData("""{"error":{"message":"quota","code":"1308"}}""", "application/json", "Choices")]
    [InlineData("""{"choices":[],"error":{"message":"x"}}""", "application/json", "Choices")]
    [InlineData("""{"choices":{}}""", "application/json", "Choices")]
    [InlineData(Chat + "{}", "application/json", "Choices")]
    [InlineData(Chat, "application/json", "AnthropicMessage")]
    [InlineData("""{"type":"error","error":{"type":"overloaded_error","message":"x"}}""", "application/json", "AnthropicMessage")]
    [InlineData("""{"id":"msg","type":"message","content":[{"type":"text","text":"h""", "application/json", "AnthropicMessage")]
    [InlineData("""{"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":5}}""", "application/json", "ChatChoices")]
    [InlineData("""{"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":5}}""", "application/json", "Choices")]
    [InlineData("""{"id":"c","choices":[1,"a",null]}""", "application/json", "ChatChoices")]
    [InlineData("""{"id":"c","choices":[{"index":0,"message":null,"finish_reason":"stop"}]}""", "application/json", "ChatChoices")]
    [InlineData("""{"id":"c","choices":[{"index":0,"finish_reason":"stop"}]}""", "application/json", "ChatChoices")]
    [InlineData("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"The first half of an ans"},"finish_reason":"network_error"}]}""", "application/json", "ChatChoices")]
    [InlineData("""{"type":"message","id":"m","role":"assistant"}""", "application/json", "AnthropicMessage")]
    [InlineData("""{"type":"message","id":"m","role":"assistant","content":null}""", "application/json", "AnthropicMessage")]
    public void Check_NotTheExpectedAnswer_Reason(string body, string? contentType, string shape) =>
        Assert.NotNull(AnswerCheck.Check(Encoding.UTF8.GetBytes(body), contentType, Enum.Parse<AnswerShape>(shape)));

    [Fact]
    public void Check_NestedChoicesKey_DoesNotCount()
    {
        var reason = AnswerCheck.Check("""{"x":{"choices":[]}}"""u8, "application/json", AnswerShape.Choices);

        Assert.Equal("the upstream answered HTTP 2xx with JSON without choices", reason);
    }

    [Fact]
    public void Check_HtmlReason_NamesMediaTypeNotBody()
    {
        var reason = AnswerCheck.Check("<html>secret page</html>"u8, "text/html; charset=utf-8", AnswerShape.Choices);

        Assert.Equal("the upstream answered HTTP 2xx with text/html, not JSON", reason);
    }

    [Theory]
    [InlineData("/v1/messages", "AnthropicMessage")]
    [InlineData("/chat/completions", "ChatChoices")]
    [InlineData("/completions", "Choices")]
    [InlineData("/embeddings", "Data")]
    [InlineData("/responses", "AnyObject")]
    public void ShapeOf_UpstreamPath_Shape(string path, string shape) => Assert.Equal(Enum.Parse<AnswerShape>(shape), AnswerCheck.ShapeOf(path));

    [Theory]
    [InlineData(null, true)]
    [InlineData("text/event-stream", true)]
    [InlineData("text/event-stream; charset=utf-8", true)]
    [InlineData("application/octet-stream", true)]
    [InlineData("application/json", false)]
    [InlineData("text/html", false)]
    [InlineData("text/plain; charset=utf-8", false)]
    public void CheckStream_ContentType_TrustedOnlyWhenNotAPage(string? contentType, bool trusted) =>
        Assert.Equal(trusted, AnswerCheck.CheckStream(contentType) is null);
}
