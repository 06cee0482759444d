namespace Switchboard.Auth;

/// <summary>One instance alone: nobody to tell.</summary>
internal sealed class LocalAuthPeers : IAuthPeers
{
    public static readonly LocalAuthPeers Instance = new();

    public void KeyChanged(string? keyHash)
    {
    }
}
