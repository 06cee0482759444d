using Switchboard.Storage;

namespace Switchboard.Tests.Storage;

/// <summary>
/// The stored-deployment contract (store_model_in_db) of every <see cref="IGatewayStore"/>: runs on SQLite here and on a
/// real PostgreSQL in the integration tests, which compile this same file.
/// </summary>
public abstract class ModelDeploymentStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private IGatewayStore? _store;

    private protected IGatewayStore Store => _store ?? throw new InvalidOperationException("not initialised");

    private protected abstract Task<IGatewayStore> CreateStoreAsync();

    public async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.MigrateAsync(CancellationToken.None);
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    private static ModelDeploymentRecord Row(string id, string name = "pool", string secret = "sbenc:v1:AAAA") =>
        new(id, name, $$"""{"model":"openai/glm-4.6","api_key":"{{secret}}"}""", $$"""{"id":"{{id}}"}""", T0, T0);

    [Fact]
    public async Task InsertUpdateDelete_EachChange_BumpsTheVersionOnce()
    {
        var v0 = await Store.ModelDeploymentsVersionAsync(CancellationToken.None);

        await Store.InsertModelDeploymentAsync(Row("m-1"), CancellationToken.None);
        var v1 = await Store.ModelDeploymentsVersionAsync(CancellationToken.None);
        Assert.True(await Store.UpdateModelDeploymentAsync(Row("m-1", "renamed") with { UpdatedAt = T0.AddMinutes(1) }, CancellationToken.None));
        var v2 = await Store.ModelDeploymentsVersionAsync(CancellationToken.None);
        Assert.True(await Store.DeleteModelDeploymentAsync("m-1", CancellationToken.None));
        var v3 = await Store.ModelDeploymentsVersionAsync(CancellationToken.None);

        Assert.Equal([v0 + 1, v0 + 2, v0 + 3], new[] { v1, v2, v3 });
        Assert.Empty(await Store.ListModelDeploymentsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task List_AfterInsertAndUpdate_RowsAsWrittenOldestFirst()
    {
        await Store.InsertModelDeploymentAsync(Row("m-2") with { CreatedAt = T0.AddSeconds(1), UpdatedAt = T0.AddSeconds(1) }, CancellationToken.None);
        await Store.InsertModelDeploymentAsync(Row("m-1"), CancellationToken.None);
        await Store.UpdateModelDeploymentAsync(Row("m-1", "other", "sbenc:v1:BBBB") with { UpdatedAt = T0.AddMinutes(5) }, CancellationToken.None);

        var rows = await Store.ListModelDeploymentsAsync(CancellationToken.None);

        Assert.Equal(["m-1", "m-2"], rows.Select(r => r.Id));
        Assert.Equal("other", rows[0].ModelName);
        Assert.Contains("sbenc:v1:BBBB", rows[0].LitellmParams, StringComparison.Ordinal);
        Assert.Equal(T0, rows[0].CreatedAt);
        Assert.Equal(T0.AddMinutes(5), rows[0].UpdatedAt);
    }

    [Fact]
    public async Task Insert_SameIdTwice_DuplicateKeyAndVersionUnchanged()
    {
        await Store.InsertModelDeploymentAsync(Row("m-1"), CancellationToken.None);
        var version = await Store.ModelDeploymentsVersionAsync(CancellationToken.None);

        await Assert.ThrowsAsync<DuplicateKeyException>(() => Store.InsertModelDeploymentAsync(Row("m-1"), CancellationToken.None));

        Assert.Equal(version, await Store.ModelDeploymentsVersionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task UpdateOrDelete_UnknownId_FalseAndVersionUnchanged()
    {
        var version = await Store.ModelDeploymentsVersionAsync(CancellationToken.None);

        Assert.False(await Store.UpdateModelDeploymentAsync(Row("missing"), CancellationToken.None));
        Assert.False(await Store.DeleteModelDeploymentAsync("missing", CancellationToken.None));

        Assert.Equal(version, await Store.ModelDeploymentsVersionAsync(CancellationToken.None));
    }
}
