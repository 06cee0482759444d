namespace Switchboard.Models;

/// <summary>
/// The other gateway instances, told when the stored deployments changed so that they reload them from the database at
/// once (architecture decision 6). Models defines it; <c>Cluster/</c> implements it over Redis. Without Redis the
/// instances notice by polling the version row.
/// </summary>
internal interface IModelPeers
{
    /// <summary>Announces a change; never blocks.</summary>
    void ModelsChanged();
}

/// <summary>No other instance to tell.</summary>
internal sealed class LocalModelPeers : IModelPeers
{
    public static readonly LocalModelPeers Instance = new();

    public void ModelsChanged()
    {
    }
}
