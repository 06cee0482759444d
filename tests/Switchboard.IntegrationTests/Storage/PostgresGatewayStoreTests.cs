using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.Storage;
using Switchboard.Tests.Storage;

namespace Switchboard.IntegrationTests.Storage;

/// <summary>The store contract (<see cref="GatewayStoreTests"/>) on a real PostgreSQL server, one fresh database per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresGatewayStoreTests(PostgresServer server) : GatewayStoreTests
{
    private readonly Dictionary<IGatewayStore, string> _connectionStrings = [];

    private protected override async Task<IGatewayStore> CreateStoreAsync() =>
        new PostgresGatewayStore(await server.CreateDatabaseAsync());

    private protected override async Task<IGatewayStore> CreateUnmigratedStoreAsync()
    {
        var connectionString = await server.CreateDatabaseAsync();
        var store = new PostgresGatewayStore(connectionString);
        _connectionStrings[store] = connectionString;
        return store;
    }

    private protected override async Task InsertVersion3RowsAsync(IGatewayStore store, IReadOnlyList<UsageRecord> records)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_connectionStrings[store]);
        await connection.OpenAsync();
        foreach (var r in records)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO usage_logs (ts_ms, request_id, key_hash, key_alias, model_group, deployment_id, upstream_model, http_status, " +
            "error_class, retries, prompt_tokens, completion_tokens, cached_tokens, tokens_estimated, cost, latency_ms, ttft_ms, stream, api) " +
            "VALUES (@ts, @rid, @kh, @ka, @mg, @dep, @um, @st, @ec, @re, @pt, @ct, @cached, @est, @cost, @lat, @ttft, @stream, @api)";
            void Add(string name, object? value) => command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            Add("ts", r.Time.ToUnixTimeMilliseconds());
            Add("rid", r.RequestId);
            Add("kh", r.KeyHash);
            Add("ka", r.KeyAlias);
            Add("mg", r.ModelGroup);
            Add("dep", r.DeploymentId);
            Add("um", r.UpstreamModel);
            Add("st", r.HttpStatus);
            Add("ec", r.ErrorClass);
            Add("re", r.Retries);
            Add("pt", r.PromptTokens);
            Add("ct", r.CompletionTokens);
            Add("cached", r.CachedTokens);
            Add("est", r.TokensEstimated ? 1 : 0);
            Add("cost", r.Cost);
            Add("lat", r.LatencyMs);
            Add("ttft", r.TtftMs);
            Add("stream", r.Stream ? 1 : 0);
            Add("api", r.Api);
            await command.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task MigrateAsync_ConcurrentInstances_ApplyOnce()
    {
        var connectionString = await server.CreateDatabaseAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresGatewayStore(connectionString)).ToList();
        await Task.WhenAll(stores.Select(s => s.MigrateAsync(CancellationToken.None)));
        await stores[0].InsertKeyAsync(NewKey("h1"), CancellationToken.None);
        Assert.NotNull(await stores[3].GetKeyByHashAsync("h1", CancellationToken.None));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }
}
