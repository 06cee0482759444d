using Switchboard.Storage;

namespace Switchboard.Admission;

/// <summary>One instance alone: its own counters are the only ones.</summary>
internal sealed class LocalKeyLimits : ISharedKeyLimits
{
    public static readonly LocalKeyLimits Instance = new();

    public bool Shares(VirtualKeyRecord key) => false;

    public ValueTask<SharedKeyVerdict> TryAdmitAsync(
        VirtualKeyRecord key, double localSpend, long period, double minimumCost, long estimatedTokens, CancellationToken ct) => default;

    public void Release(string keyHash, long slot)
    {
    }

    public void Record(string keyHash, long period, long tokens, double cost, bool trackTokens)
    {
    }
}
