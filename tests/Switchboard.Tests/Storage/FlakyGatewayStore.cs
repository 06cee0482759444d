using Switchboard.Storage;

namespace Switchboard.Tests.Storage;

/// <summary>Delegates to a real store, but usage writes throw while <see cref="Failing"/> is set.</summary>
internal sealed class FlakyGatewayStore(IGatewayStore inner) : IGatewayStore
{
    private int _failures;

    public volatile bool Failing;

    /// <summary>Key lookups throw while set.</summary>
    public volatile bool FailingReads;

    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Fires after each failed write.</summary>
    public event Action? Failed;

    public string Kind => inner.Kind;

    /// <summary>Sizes of the usage batches handed to the store, in order (failed ones included).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<int> BatchSizes { get; } = new();

    /// <summary>When set, every usage write waits for one release of it first (a slow store).</summary>
    public SemaphoreSlim? Gate { get; set; }

    public async Task WriteUsageAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        BatchSizes.Enqueue(records.Count);
        if (Gate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }

        if (Failing)
        {
            Interlocked.Increment(ref _failures);
            Failed?.Invoke();
            throw new InvalidOperationException("database unreachable (test)");
        }

        await inner.WriteUsageAsync(records, cancellationToken);
    }

    public Task MigrateAsync(CancellationToken cancellationToken) => inner.MigrateAsync(cancellationToken);
    public Task InsertKeyAsync(VirtualKeyRecord key, CancellationToken cancellationToken) => inner.InsertKeyAsync(key, cancellationToken);
    private int _keyReads;

    /// <summary>Key lookups by hash so far (what the auth cache spares the store).</summary>
    public int KeyReads => Volatile.Read(ref _keyReads);

    /// <summary>Answers unknown hashes without asking the inner store (a fast store for floods of random tokens).</summary>
    public IReadOnlySet<string>? OnlyKnownHashes { get; set; }

    public Task<VirtualKeyRecord?> GetKeyByHashAsync(string keyHash, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _keyReads);
        if (FailingReads)
        {
            throw new InvalidOperationException("database unreachable (test)");
        }

        return OnlyKnownHashes is { } known && !known.Contains(keyHash) ? Task.FromResult<VirtualKeyRecord?>(null) : inner.GetKeyByHashAsync(keyHash, cancellationToken);
    }
    public Task<VirtualKeyRecord?> GetKeyByAliasAsync(string keyAlias, CancellationToken cancellationToken) =>
        inner.GetKeyByAliasAsync(keyAlias, cancellationToken);
    public Task<bool> UpdateKeyAsync(VirtualKeyRecord key, CancellationToken cancellationToken) => inner.UpdateKeyAsync(key, cancellationToken);
    public Task<IReadOnlyList<string>> DeleteKeysAsync(
        IReadOnlyCollection<string> keyHashes, IReadOnlyCollection<string> keyAliases, CancellationToken cancellationToken) =>
        inner.DeleteKeysAsync(keyHashes, keyAliases, cancellationToken);
    public Task<Page<VirtualKeyRecord>> ListKeysAsync(int page, int pageSize, CancellationToken cancellationToken) =>
        inner.ListKeysAsync(page, pageSize, cancellationToken);
    public Task<bool> SetBlockedAsync(string keyHash, bool blocked, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.SetBlockedAsync(keyHash, blocked, now, cancellationToken);
    public Task<bool> ReplaceKeyHashAsync(string oldHash, string newHash, string newPreview, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.ReplaceKeyHashAsync(oldHash, newHash, newPreview, now, cancellationToken);
    public Task AddSpendAsync(string keyHash, double amount, CancellationToken cancellationToken) =>
        inner.AddSpendAsync(keyHash, amount, cancellationToken);
    public Task ResetSpendAsync(string keyHash, DateTimeOffset? nextResetAt, CancellationToken cancellationToken) =>
        inner.ResetSpendAsync(keyHash, nextResetAt, cancellationToken);
    public Task<Page<UsageRecord>> QueryUsageAsync(UsageQuery query, CancellationToken cancellationToken) =>
        inner.QueryUsageAsync(query, cancellationToken);
    public Task<SpendTotal> GetGlobalSpendAsync(DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken) =>
        inner.GetGlobalSpendAsync(from, to, cancellationToken);
    public Task<IReadOnlyList<KeySpend>> GetSpendByKeyAsync(DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken) =>
        inner.GetSpendByKeyAsync(from, to, limit, cancellationToken);
    public Task<IReadOnlyList<ModelGroupSpend>> GetSpendByModelGroupAsync(
        DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken) =>
        inner.GetSpendByModelGroupAsync(from, to, limit, cancellationToken);
    public Task<IReadOnlyList<DeploymentDaySpend>> GetSpendByDeploymentPerDayAsync(DateTimeOffset from, CancellationToken cancellationToken) =>
        inner.GetSpendByDeploymentPerDayAsync(from, cancellationToken);
    public Task<IReadOnlyList<ModelDeploymentRecord>> ListModelDeploymentsAsync(CancellationToken cancellationToken) =>
        inner.ListModelDeploymentsAsync(cancellationToken);
    public Task<long> ModelDeploymentsVersionAsync(CancellationToken cancellationToken) => inner.ModelDeploymentsVersionAsync(cancellationToken);
    public Task InsertModelDeploymentAsync(ModelDeploymentRecord deployment, CancellationToken cancellationToken) =>
        inner.InsertModelDeploymentAsync(deployment, cancellationToken);
    public Task<bool> UpdateModelDeploymentAsync(ModelDeploymentRecord deployment, CancellationToken cancellationToken) =>
        inner.UpdateModelDeploymentAsync(deployment, cancellationToken);
    public Task<bool> DeleteModelDeploymentAsync(string id, CancellationToken cancellationToken) =>
        inner.DeleteModelDeploymentAsync(id, cancellationToken);
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
