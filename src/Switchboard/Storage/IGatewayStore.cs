namespace Switchboard.Storage;

/// <summary>
/// Virtual keys and usage records. One implementation per database; both run the same test suite.
/// Every method may throw when the database is unreachable; callers decide whether to retry.
/// </summary>
internal interface IGatewayStore : IAsyncDisposable
{
    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    string Kind { get; }

    /// <summary>Applies the migrations not yet recorded in <c>schema_migrations</c>; safe to call at every start.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Throws <see cref="DuplicateKeyException"/> when the hash or the alias already exists.</summary>
    Task InsertKeyAsync(VirtualKeyRecord key, CancellationToken cancellationToken);

    Task<VirtualKeyRecord?> GetKeyByHashAsync(string keyHash, CancellationToken cancellationToken);

    Task<VirtualKeyRecord?> GetKeyByAliasAsync(string keyAlias, CancellationToken cancellationToken);

    /// <summary>Writes every field except hash, spend and creation time; false when the key does not exist.</summary>
    Task<bool> UpdateKeyAsync(VirtualKeyRecord key, CancellationToken cancellationToken);

    /// <summary>Deletes by hash and by alias; returns the hashes actually deleted (so caches can be invalidated).</summary>
    Task<IReadOnlyList<string>> DeleteKeysAsync(
        IReadOnlyCollection<string> keyHashes, IReadOnlyCollection<string> keyAliases, CancellationToken cancellationToken);

    /// <summary>Keys ordered by creation time; <paramref name="page"/> is 1-based.</summary>
    Task<Page<VirtualKeyRecord>> ListKeysAsync(int page, int pageSize, CancellationToken cancellationToken);

    Task<bool> SetBlockedAsync(string keyHash, bool blocked, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Regenerate: the key keeps its fields and spend under a new hash.</summary>
    Task<bool> ReplaceKeyHashAsync(
        string oldHash, string newHash, string newPreview, DateTimeOffset now, CancellationToken cancellationToken);

    Task AddSpendAsync(string keyHash, double amount, CancellationToken cancellationToken);

    /// <summary>Budget period over: spend back to 0 and the next reset time recorded.</summary>
    Task ResetSpendAsync(string keyHash, DateTimeOffset? nextResetAt, CancellationToken cancellationToken);

    /// <summary>Writes a batch in one transaction and adds each record's cost to its key's spend.</summary>
    Task WriteUsageAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<Page<UsageRecord>> QueryUsageAsync(UsageQuery query, CancellationToken cancellationToken);

    Task<SpendTotal> GetGlobalSpendAsync(DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken);

    /// <summary>Highest spend first.</summary>
    Task<IReadOnlyList<KeySpend>> GetSpendByKeyAsync(
        DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken);

    /// <summary>Highest spend first.</summary>
    Task<IReadOnlyList<ModelGroupSpend>> GetSpendByModelGroupAsync(
        DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken);

    /// <summary>Per deployment per UTC day since <paramref name="from"/>, newest day first.</summary>
    Task<IReadOnlyList<DeploymentDaySpend>> GetSpendByDeploymentPerDayAsync(DateTimeOffset from, CancellationToken cancellationToken);

    /// <summary>Deployments stored by <c>/model/new</c>, oldest first.</summary>
    Task<IReadOnlyList<ModelDeploymentRecord>> ListModelDeploymentsAsync(CancellationToken cancellationToken);

    /// <summary>A number that changes with every stored deployment change (one row read: instances poll it).</summary>
    Task<long> ModelDeploymentsVersionAsync(CancellationToken cancellationToken);

    /// <summary>Throws <see cref="DuplicateKeyException"/> when the id is already stored.</summary>
    Task InsertModelDeploymentAsync(ModelDeploymentRecord deployment, CancellationToken cancellationToken);

    /// <summary>Writes name, params, info and update time; false when the id is not stored.</summary>
    Task<bool> UpdateModelDeploymentAsync(ModelDeploymentRecord deployment, CancellationToken cancellationToken);

    Task<bool> DeleteModelDeploymentAsync(string id, CancellationToken cancellationToken);
}
