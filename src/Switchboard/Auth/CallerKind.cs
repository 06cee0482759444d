namespace Switchboard.Auth;

internal enum CallerKind
{
    /// <summary>No master key configured: any token (or none) is accepted.</summary>
    Open,
    Master,
    VirtualKey,
}
