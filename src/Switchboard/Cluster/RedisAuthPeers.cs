using Switchboard.Auth;

namespace Switchboard.Cluster;

/// <summary>Announces key invalidations to every instance, which drop the key's cached state at once (architecture decision 6).</summary>
internal sealed class RedisAuthPeers(RedisLink link) : IAuthPeers
{
    public void KeyChanged(string? keyHash) =>
        link.Publish(new ClusterMessage(ClusterMessage.KeyChanged, link.Instance, keyHash ?? "").Encode());
}
