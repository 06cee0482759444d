namespace Switchboard.Auth;

/// <summary>
/// The other gateway instances, told when a key's cached state must go (revoke, block, update, regenerate) so that it
/// takes effect everywhere at once (architecture decision 6). Auth defines it; <c>Cluster/</c> implements it over Redis.
/// </summary>
internal interface IAuthPeers
{
    /// <summary>Announces an invalidation; <paramref name="keyHash"/> null means every key. Never blocks.</summary>
    void KeyChanged(string? keyHash);
}
