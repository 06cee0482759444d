using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>The pure parts behind the server: key prefixes, tool directives, stream pieces.</summary>
public sealed class MockAnswerTests
{
    [Theory]
    [InlineData("ok-1", "Ok", 0)]
    [InlineData("anything", "Ok", 0)]
    [InlineData("rl-1", "RateLimited", 0)]
    [InlineData("err-1", "ServerError", 0)]
    [InlineData("slow-1", "Slow", 0)]
    [InlineData("flaky-1", "Flaky", 0)]
    [InlineData("auth-1", "Unauthorized", 0)]
    [InlineData("hdr-1", "BudgetHeaders", 0)]
    [InlineData("zai1302-a", "ZaiError", 1302)]
    [InlineData("zai1308-b", "ZaiError", 1308)]
    [InlineData("conc3-x", "Concurrency", 3)]
    [InlineData("conc0-x", "Ok", 0)]
    [InlineData("echo401-x", "EchoKey", 401)]
    [InlineData("echomid-x", "EchoKeyMidStream", 0)]
    [InlineData("endless-x", "EndlessEvent", 0)]
    [InlineData("errdone-x", "ErrorThenEnd", 0)]
    [InlineData("pyjson-x", "PythonStyleStream", 0)]
    [InlineData("zai-x", "Ok", 0)]
    public void Parse_KeyPrefix_GivesBehaviour(string key, string kind, int number) =>
        Assert.Equal(new MockKey(Enum.Parse<MockKeyKind>(kind), number), MockKey.Parse(key));

    [Fact]
    public void Of_EmptyKey_IsUnauthorized() => Assert.Equal(MockKeyKind.Unauthorized, MockKey.Of("").Kind);

    [Fact]
    public void ParseDirectives_TwoToolsWithTrailingText_GivesBothCompacted()
    {
        var calls = MockAnswer.ParseDirectives("""do mock-tool:Read { "file_path" : "/a b/ü.txt" } then mock-tool:Ls done""");

        Assert.Equal(2, calls.Count);
        Assert.Equal("Read", calls[0].Name);
        Assert.Equal("""{"file_path":"/a b/ü.txt"}""", calls[0].Arguments.Text);
        Assert.Equal("Ls", calls[1].Name);
        Assert.Equal("{}", calls[1].Arguments.Text);
        Assert.NotEqual(calls[0].IdSuffix, calls[1].IdSuffix);
    }

    [Fact]
    public void ParseDirectives_BrokenJson_FallsBackToEmptyObject()
    {
        var call = Assert.Single(MockAnswer.ParseDirectives("mock-tool:Read {\"file_path\": "));

        Assert.Equal("{}", call.Arguments.Text);
    }

    [Theory]
    [InlineData("abcdefghij", 3)]
    [InlineData("abc", 8)]
    [InlineData("a😀b😀c", 4)]
    public void Split_Text_PiecesConcatenateBackWithoutSplittingSurrogates(string text, int count)
    {
        var pieces = MockPieces.Split(text, count);

        Assert.Equal(Math.Min(count, text.Length), pieces.Count);
        var joined = string.Concat(Enumerable.Range(0, pieces.Count).Select(i => pieces[i].ToString()));
        Assert.Equal(text, joined);
        Assert.All(Enumerable.Range(0, pieces.Count), i => Assert.False(pieces[i].Length > 0 && char.IsLowSurrogate(pieces[i][0])));
    }

    [Fact]
    public void Greeting_MoreChunksThanCharacters_RepeatsUntilLongEnough()
    {
        var text = MockAnswer.Greeting("ok-1", "m", 100);

        Assert.True(text.Length >= 100);
        Assert.StartsWith("Hello from mock deployment ok-1 (model m) Hello", text);
    }
}
