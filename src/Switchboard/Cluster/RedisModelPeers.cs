using Switchboard.Models;

namespace Switchboard.Cluster;

/// <summary>Announces a change of the stored deployments; every other instance reloads them from the database (architecture decision 6).</summary>
internal sealed class RedisModelPeers(RedisLink link) : IModelPeers
{
    public void ModelsChanged() =>
        link.Publish(new ClusterMessage(ClusterMessage.ModelsChanged, link.Instance, "").Encode());
}
