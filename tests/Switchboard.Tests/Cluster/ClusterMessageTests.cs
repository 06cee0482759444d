using Switchboard.Cluster;
using Switchboard.Upstream;

namespace Switchboard.Tests.Cluster;

public sealed class ClusterMessageTests
{
    [Fact]
    public void Decode_EncodedCooldown_SameFields()
    {
        var message = new ClusterMessage(ClusterMessage.Cooldown, "inst1", "dep-a", 1_800_000_000_123, FailureKind.QuotaExhausted, "RateLimited: HTTP 429 [1303] too many");

        Assert.Equal(message, ClusterMessage.Decode(message.Encode()));
    }

    [Fact]
    public void Encode_ReasonWithSeparator_StillDecodes()
    {
        var message = new ClusterMessage(ClusterMessage.Disabled, "inst1", "dep-a", Reason: "a\u001fb");

        Assert.Equal("a b", ClusterMessage.Decode(message.Encode()).Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("X\u001fi\u001fs")]
    [InlineData("C\u001fi\u001fs\u001fnot-a-number\u001f0\u001fr")]
    public void Decode_Garbage_FormatException(string text)
    {
        Assert.Throws<FormatException>(() => ClusterMessage.Decode(text));
    }

    [Fact]
    public void ParseCooldownValue_FromCooldownValue_RoundTrips()
    {
        var value = ClusterMessage.CooldownValue(42, FailureKind.RateLimited, "slow down");

        Assert.Equal((42L, FailureKind.RateLimited, "slow down"), ClusterMessage.ParseCooldownValue(value));
    }
}
