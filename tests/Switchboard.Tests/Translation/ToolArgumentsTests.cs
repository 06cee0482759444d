using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

public sealed class ToolArgumentsTests
{
    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"")]
    [InlineData("{\"{")]
    [InlineData("{\"{\":")]
    [InlineData("{\"}\":\"{[\"")]
    [InlineData("{\"a\\\"{\":\"}\\\\")]
    [InlineData("{\"a\\")]
    [InlineData("{\"\\u00")]
    [InlineData("{\"\\uD83D")]
    [InlineData("{\"a\":{\"a\":1,")]
    [InlineData("{\"a\":[1,tr")]
    [InlineData("{\"a\":-1.5e")]
    [InlineData("{\"{\":480}")]
    public void IsViablePrefix_PrefixOfValidJson_True(string text)
    {
        Assert.True(ToolArguments.IsViablePrefix(text));
        Assert.True(ToolArguments.TryParse(text + ToolArguments.CompletionSuffix(text), out _));
    }

    [Theory]
    [InlineData("{\"a\":1}{")]
    [InlineData("{\"a\":1}{\"a\":1}")]
    [InlineData("{\"a\":1,{")]
    [InlineData("{\"\"{")]
    [InlineData("{\"a\\\"\":1}}")]
    [InlineData("{\"a\":1{")]
    [InlineData("{\"a\":tx")]
    public void IsViablePrefix_NoValidCompletion_False(string text)
    {
        Assert.False(ToolArguments.IsViablePrefix(text));
    }

    [Theory]
    [InlineData("{\"{\":")]
    [InlineData("{\"}\\\"{\":\"\\\\\"")]
    [InlineData("{\"k\":\"a}b{\\\"c")]
    public void CompletionSuffix_BracesQuotesBackslashesInStrings_ClosesOnlyRealBrackets(string text)
    {
        var suffix = ToolArguments.CompletionSuffix(text);

        Assert.True(ToolArguments.TryParse(text + suffix, out var kind));
        Assert.Equal(System.Text.Json.JsonValueKind.Object, kind);
    }

    [Theory]
    [InlineData("{\"a\":1} ")]
    [InlineData("{\"a\":1}")]
    public void TryParse_OneValue_True(string text)
    {
        Assert.True(ToolArguments.TryParse(text, out _));
    }

    [Theory]
    [InlineData("{\"a\":1}{}")]
    [InlineData("{\"a\":1}x")]
    [InlineData("{\"a\":1")]
    public void TryParse_TruncatedOrTrailingText_False(string text)
    {
        Assert.False(ToolArguments.TryParse(text, out _));
    }
}
