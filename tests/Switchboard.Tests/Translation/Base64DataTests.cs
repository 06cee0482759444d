using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

public sealed class Base64DataTests
{
    [Theory]
    [InlineData("iVBORw0KGgo=", "Standard")]
    [InlineData("ab+/cw==", "Standard")]
    [InlineData("ab-_cw==", "UrlSafe")]
    [InlineData("iVBORw0KGgo", "UrlSafe")] // unpadded
    [InlineData("ab+_cw==", "Invalid")] // both alphabets at once
    [InlineData("@@not base64!!", "Invalid")]
    [InlineData("A", "Invalid")]
    [InlineData("", "Invalid")]
    [InlineData("  ", "Invalid")]
    public void Classify_TellsTheAlphabet(string data, string kind) => Assert.Equal(kind, Base64Data.Classify(data).ToString());

    [Theory]
    [InlineData("ab-_cw", "ab+/cw==")]
    [InlineData("ab-_cw==", "ab+/cw==")]
    [InlineData("iVBO Rw0K\r\nGgo", "iVBORw0KGgo=")]
    [InlineData("AAAA", "AAAA")]
    public void ToStandard_PrefixThenStandardPaddedBase64(string data, string expected)
    {
        Assert.Equal("data:image/png;base64," + expected, Base64Data.ToStandard("data:image/png;base64,", data, 0));
        Assert.Equal(expected, Base64Data.ToStandard("", "xx," + data, 3));
        Assert.Equal(Convert.FromBase64String(expected), Base64Data.Decode(data));
    }

    [Fact]
    public void Decode_NotBase64_Null() => Assert.Null(Base64Data.Decode("@@@"));
}
