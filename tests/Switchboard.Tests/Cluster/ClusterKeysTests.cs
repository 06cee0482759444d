using System.Text;
using StackExchange.Redis;
using Switchboard.Cluster;

namespace Switchboard.Tests.Cluster;

/// <summary>
/// Every script's keys lie in one Redis Cluster hash slot (a multi-key script is refused otherwise): the slot computed
/// here as Redis computes it (CRC16/XMODEM of the hash tag, modulo 16384), for the keys each script is called with.
/// </summary>
public sealed class ClusterKeysTests
{
    private const string Deployment = "glm-account-7";
    private const string KeyHash = "3f1c9a0e5b7d2c4e6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8a0c2e4f6a8b0c";

    public static TheoryData<string, string[]> ScriptKeys() => new()
    {
        { nameof(ClusterScripts.TakeDeploymentSlot), [.. Keys(ClusterKeys.DeploymentSlots(Deployment), ClusterKeys.DeploymentWindow(Deployment, "rpm", 29_000_000), ClusterKeys.DeploymentWindow(Deployment, "tpm", 29_000_000))] },
        { nameof(ClusterScripts.ReleaseDeploymentSlot), [.. Keys(ClusterKeys.DeploymentSlots(Deployment))] },
        { nameof(ClusterScripts.RenewLeases), [.. Keys(ClusterKeys.Key(KeyHash, "parallel"))] },
        { nameof(ClusterScripts.SetCooldown), [.. Keys(ClusterKeys.Cooldowns)] },
        { nameof(ClusterScripts.AdmitKey), [.. Keys(ClusterKeys.Key(KeyHash, "rpm"), ClusterKeys.Key(KeyHash, "parallel"), ClusterKeys.Key(KeyHash, "tokens"), ClusterKeys.KeySpend(KeyHash, 1_767_225_600))] },
        { nameof(ClusterScripts.MergeDeploymentWindow), [.. Keys(ClusterKeys.DeploymentWindow(Deployment, "rpm", 29_000_000), ClusterKeys.DeploymentWindow(Deployment, "tpm", 29_000_000))] },
        { nameof(ClusterScripts.RegisterLeases), [.. Keys(ClusterKeys.DeploymentSlots(Deployment))] },
        { nameof(ClusterScripts.MergeKey), [.. Keys(ClusterKeys.Key(KeyHash, "rpm"), ClusterKeys.Key(KeyHash, "tokens"), ClusterKeys.KeySpend(KeyHash, 0))] },
    };

    [Theory]
    [MemberData(nameof(ScriptKeys))]
    public void ScriptKeys_EveryScript_AllKeysInOneSlot(string script, string[] keys)
    {
        Assert.NotEmpty(script);
        Assert.Single(keys.Select(Slot).Distinct());
        if (keys.Length > 1)
        {
            // One slot by design (a hash tag), not by chance.
            Assert.All(keys, k => Assert.Contains('{', k));
        }
    }

    [Fact]
    public void ScriptKeys_EveryScriptListed()
    {
        var scripts = typeof(ClusterScripts).GetFields().Where(f => f.IsLiteral).Select(f => f.Name).Order();
        Assert.Equal(scripts, ScriptKeys().Select(row => (string)row[0]).Order());
    }

    [Fact]
    public void Slot_KnownValues_AsRedisComputesThem()
    {
        // From the Redis Cluster specification: CRC16("123456789") = 0x31C3; "foo" lies in slot 12182.
        Assert.Equal(0x31C3 % 16384, Slot("123456789"));
        Assert.Equal(12182, Slot("foo"));
        Assert.Equal(Slot("bar"), Slot("{bar}:anything"));
    }

    [Fact]
    public void DeploymentAndKeyKeys_DifferentDeployments_DifferentTags()
    {
        Assert.NotEqual(ClusterKeys.DeploymentSlots("a").ToString(), ClusterKeys.DeploymentSlots("b").ToString());
        Assert.Equal(Slot(ClusterKeys.DeploymentSlots("a").ToString()), Slot(ClusterKeys.DeploymentWindow("a", "rpm", 1).ToString()));
    }

    private static IEnumerable<string> Keys(params RedisKey[] keys) => keys.Select(k => k.ToString());

    /// <summary>The key's hash slot: CRC16/XMODEM of its hash tag (the text between the first { and the next }, when not empty).</summary>
    private static int Slot(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = key.IndexOf('}', open + 1);
            if (close > open + 1)
            {
                key = key[(open + 1)..close];
            }
        }

        ushort crc = 0;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        return crc % 16384;
    }
}
