using Switchboard.Storage;

namespace Switchboard.Admission;

/// <summary>
/// A virtual key's limits counted across every gateway instance (architecture decision 6): rpm and tpm windows, parallel
/// requests, budget spend. Admission defines it and holds no Redis type; <c>Cluster/</c> implements it. Without Redis it
/// is <see cref="LocalKeyLimits"/> and the counters of this instance are the only ones.
/// </summary>
internal interface ISharedKeyLimits
{
    /// <summary>Whether <paramref name="key"/> has a limit to share; when false the call never asks. While Redis is away the answer comes at once (local, merged later).</summary>
    bool Shares(VirtualKeyRecord key);

    /// <summary>Counts one call against the key's cluster-wide limits, or says which one refuses it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="localSpend">This instance's spend of the current budget period, to start the shared counter from.</param>
    /// <param name="period">The budget period (its reset time in Unix seconds; 0 when it never resets).</param>
    /// <param name="minimumCost">The call's least possible cost.</param>
    /// <param name="estimatedTokens">The call's tokens as estimated, for tpm.</param>
    /// <param name="ct">Cancellation.</param>
    ValueTask<SharedKeyVerdict> TryAdmitAsync(VirtualKeyRecord key, double localSpend, long period, double minimumCost, long estimatedTokens, CancellationToken ct);

    /// <summary>Frees the parallel slot a <see cref="SharedKeyVerdict"/> took.</summary>
    void Release(string keyHash, long slot);

    /// <summary>Counts a finished call's tokens (for tpm) and cost (for the budget).</summary>
    void Record(string keyHash, long period, long tokens, double cost, bool trackTokens);
}
