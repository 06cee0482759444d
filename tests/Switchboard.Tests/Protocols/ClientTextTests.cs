using Switchboard.Protocols;

namespace Switchboard.Tests.Protocols;

public sealed class ClientTextTests
{
    [Fact]
    public void Quote_Short_Unchanged()
    {
        var text = new string('a', ClientText.MaxQuoted);

        Assert.Same(text, ClientText.Quote(text));
    }

    [Fact]
    public void Quote_Long_CutTo200AndSaysHowLong()
    {
        var quoted = ClientText.Quote(new string('a', 5_000_000));

        Assert.Equal(new string('a', 200) + "… (5000000 characters)", quoted);
    }

    [Fact]
    public void Quote_CutInsideSurrogatePair_DropsTheHalf()
    {
        var quoted = ClientText.Quote(new string('a', 199) + "😀" + "tail");

        Assert.StartsWith(new string('a', 199) + "…", quoted);
    }

    [Fact]
    public void Quote_LoneSurrogate_Replaced()
    {
        // Built in code: attribute arguments cannot carry a lone surrogate (metadata stores them as UTF-8).
        Assert.Equal("a\ufffdb", ClientText.Quote("a" + (char)0xD800 + "b"));
        Assert.Equal("\ufffd", ClientText.Quote(((char)0xDC00).ToString()));
        Assert.Equal("ok 😀", ClientText.Quote("ok 😀"));
    }

    [Fact]
    public void Message_Null_Empty() => Assert.Equal(string.Empty, ClientText.Quote(null));
}
