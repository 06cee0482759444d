using CsCheck;
using Switchboard.Observability;

namespace Switchboard.Tests.Observability;

public sealed class KeyMaskTests
{
    [Theory]
    [InlineData(null, "(none)")]
    [InlineData("", "(none)")]
    [InlineData("a", "****")]
    [InlineData("12345678", "****")]
    [InlineData("ok-demo-1", "…mo-1")]
    [InlineData("sk-abcdef1234a1b2", "sk-…a1b2")]
    [InlineData("sk-ant-api03-verylongsecretvalue-XYZ9", "sk-…XYZ9")]
    [InlineData("a-bcdefghijklmnop", "a-…mnop")]
    [InlineData("abcdefghijklmnop.qrstuvwx", "…uvwx")]
    [InlineData("abcd-efghijklmnop", "…mnop")]
    public void Mask_Key_ShowsOnlyPrefixAndTail(string? key, string expected)
    {
        Assert.Equal(expected, KeyMask.Mask(key));
    }

    [Fact]
    public void Mask_AnyKey_RevealsAtMostSevenCharacters()
    {
        Gen.String[0, 80].Sample(key =>
        {
            var masked = KeyMask.Mask(key);
            var revealed = masked.Replace("…", "").Replace("****", "").Replace("(none)", "");
            Assert.True(revealed.Length <= 7, masked);
            if (key.Length >= 9)
            {
                Assert.EndsWith(key[^4..], masked);
                Assert.NotEqual(key, masked);
            }
        });
    }
}
