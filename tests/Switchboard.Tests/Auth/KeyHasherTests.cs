using System.Text.RegularExpressions;
using Switchboard.Auth;

namespace Switchboard.Tests.Auth;

public sealed class KeyHasherTests
{
    [Fact]
    public void Hash_Abc_IsSha256LowercaseHex() =>
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", KeyHasher.Hash("abc"));

    [Fact]
    public void LooksLikeHash_HashAndKey_TellApart()
    {
        Assert.True(KeyHasher.LooksLikeHash(KeyHasher.Hash("x")));
        Assert.False(KeyHasher.LooksLikeHash(VirtualKeyGenerator.New()));
    }

    [Theory]
    [InlineData("sk-abcdefghijklmnop1234", "sk-...1234")]
    [InlineData("short", "***")]
    [InlineData("zai-abcdefghijkl9876", "...9876")]
    public void Mask_Key_ShowsOnlyLastFour(string key, string masked) => Assert.Equal(masked, KeyHasher.Mask(key));

    [Fact]
    public void New_ThousandKeys_AreSkPlus40UrlSafeCharsAndDistinct()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => VirtualKeyGenerator.New()).ToList();
        Assert.All(keys, k => Assert.Matches(new Regex("^sk-[A-Za-z0-9_-]{40}$"), k));
        Assert.Equal(1000, keys.Distinct().Count());
    }
}
