using System.Data.Common;
using System.Globalization;
using Switchboard.Storage;

namespace Switchboard.Tests.Storage;

/// <summary>
/// The contract every <see cref="IGatewayStore"/> must keep. Runs on SQLite (unit tests) and on a real
/// PostgreSQL (integration tests, which compile this same file).
/// </summary>
public abstract class GatewayStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private IGatewayStore? _store;

    private protected IGatewayStore Store => _store ?? throw new InvalidOperationException("not initialised");

    private protected abstract Task<IGatewayStore> CreateStoreAsync();

    /// <summary>A store on a fresh database, not migrated (the upgrade test migrates it in steps).</summary>
    private protected abstract Task<IGatewayStore> CreateUnmigratedStoreAsync();

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

    private protected static VirtualKeyRecord NewKey(string hash, string? alias = null, DateTimeOffset? created = null) => new()
    {
        KeyHash = hash,
        KeyAlias = alias,
        KeyPreview = "sk-...abcd",
        Models = ["glm-pool", "gpt-4o"],
        MaxBudget = 12.5,
        BudgetDuration = "30d",
        BudgetResetAt = T0.AddDays(30),
        RpmLimit = 60,
        TpmLimit = 100_000,
        MaxParallelRequests = 3,
        ExpiresAt = T0.AddDays(90),
        MetadataJson = """{"team":"core"}""",
        Blocked = false,
        Spend = 0,
        CreatedAt = created ?? T0,
        UpdatedAt = created ?? T0,
    };

    private static UsageRecord Usage(string? hash, string group, DateTimeOffset time, double cost, string deployment = "d1", int status = 200) => new()
    {
        Time = time,
        RequestId = Guid.NewGuid().ToString("N"),
        KeyHash = hash,
        KeyAlias = hash is null ? null : "alias-" + hash,
        ModelGroup = group,
        DeploymentId = deployment,
        UpstreamModel = "glm-4.6",
        HttpStatus = status,
        ErrorClass = status >= 400 ? "upstream_5xx" : null,
        Retries = 1,
        PromptTokens = 100,
        CompletionTokens = 20,
        CachedTokens = 10,
        TokensEstimated = true,
        Cost = cost,
        LatencyMs = 123.5,
        TtftMs = 45.25,
        Stream = true,
        Api = "anthropic",
    };

    [Fact]
    public async Task MigrateAsync_RunTwice_IsIdempotentAndKeepsData()
    {
        await Store.InsertKeyAsync(NewKey("h1"), CancellationToken.None);
        await Store.MigrateAsync(CancellationToken.None);
        Assert.NotNull(await Store.GetKeyByHashAsync("h1", CancellationToken.None));
    }

    [Fact]
    public async Task InsertKeyAsync_ThenGetByHash_RoundTripsEveryField()
    {
        var key = NewKey("h1", "team-a");
        await Store.InsertKeyAsync(key, CancellationToken.None);
        var loaded = await Store.GetKeyByHashAsync("h1", CancellationToken.None);
        Assert.NotNull(loaded);
        Assert.Equal(key with { Models = [] }, loaded with { Models = [] });
        Assert.Equal(key.Models, loaded.Models);
    }

    [Fact]
    public async Task GetKeyByHashAsync_Unknown_ReturnsNull() =>
        Assert.Null(await Store.GetKeyByHashAsync("nope", CancellationToken.None));

    [Fact]
    public async Task InsertKeyAsync_DuplicateAlias_ThrowsDuplicateKeyException()
    {
        await Store.InsertKeyAsync(NewKey("h1", "same"), CancellationToken.None);
        await Assert.ThrowsAsync<DuplicateKeyException>(() => Store.InsertKeyAsync(NewKey("h2", "same"), CancellationToken.None));
    }

    [Fact]
    public async Task InsertKeyAsync_NullAliases_AreNotDuplicates()
    {
        await Store.InsertKeyAsync(NewKey("h1") with { Models = [] }, CancellationToken.None);
        await Store.InsertKeyAsync(NewKey("h2"), CancellationToken.None);
        Assert.Empty((await Store.GetKeyByHashAsync("h1", CancellationToken.None))!.Models);
    }

    [Fact]
    public async Task GetKeyByAliasAsync_Existing_ReturnsKey()
    {
        await Store.InsertKeyAsync(NewKey("h1", "team-a"), CancellationToken.None);
        Assert.Equal("h1", (await Store.GetKeyByAliasAsync("team-a", CancellationToken.None))?.KeyHash);
    }

    [Fact]
    public async Task UpdateKeyAsync_ChangedFields_AreStoredAndSpendKept()
    {
        await Store.InsertKeyAsync(NewKey("h1", "a"), CancellationToken.None);
        await Store.AddSpendAsync("h1", 2.5, CancellationToken.None);
        var updated = NewKey("h1", "b") with
        {
            Models = [],
            MaxBudget = null,
            RpmLimit = 5,
            Blocked = true,
            MetadataJson = null,
            Spend = 999,
            UpdatedAt = T0.AddHours(1),
        };
        Assert.True(await Store.UpdateKeyAsync(updated, CancellationToken.None));
        var loaded = await Store.GetKeyByHashAsync("h1", CancellationToken.None);
        Assert.Equal(updated with { Spend = 2.5 }, loaded);
    }

    [Fact]
    public async Task UpdateKeyAsync_UnknownKey_ReturnsFalse() =>
        Assert.False(await Store.UpdateKeyAsync(NewKey("nope"), CancellationToken.None));

    [Fact]
    public async Task DeleteKeysAsync_ByHashAndAlias_ReturnsDeletedHashes()
    {
        await Store.InsertKeyAsync(NewKey("h1", "a"), CancellationToken.None);
        await Store.InsertKeyAsync(NewKey("h2", "b"), CancellationToken.None);
        await Store.InsertKeyAsync(NewKey("h3", "c"), CancellationToken.None);
        var deleted = await Store.DeleteKeysAsync(["h1", "missing"], ["b"], CancellationToken.None);
        Assert.Equal(["h1", "h2"], deleted.Order(StringComparer.Ordinal));
        Assert.Null(await Store.GetKeyByHashAsync("h2", CancellationToken.None));
        Assert.NotNull(await Store.GetKeyByHashAsync("h3", CancellationToken.None));
    }

    [Fact]
    public async Task ListKeysAsync_Pages_InCreationOrderWithTotal()
    {
        for (var i = 0; i < 5; i++)
        {
            await Store.InsertKeyAsync(NewKey($"h{i}", created: T0.AddMinutes(i)), CancellationToken.None);
        }

        var page2 = await Store.ListKeysAsync(2, 2, CancellationToken.None);
        Assert.Equal(5, page2.TotalCount);
        Assert.Equal(3, page2.TotalPages);
        Assert.Equal(["h2", "h3"], page2.Items.Select(k => k.KeyHash));
        Assert.Single((await Store.ListKeysAsync(3, 2, CancellationToken.None)).Items);
    }

    [Fact]
    public async Task SetBlockedAsync_BlockThenUnblock_IsStored()
    {
        await Store.InsertKeyAsync(NewKey("h1"), CancellationToken.None);
        Assert.True(await Store.SetBlockedAsync("h1", true, T0, CancellationToken.None));
        Assert.True((await Store.GetKeyByHashAsync("h1", CancellationToken.None))!.Blocked);
        Assert.True(await Store.SetBlockedAsync("h1", false, T0, CancellationToken.None));
        Assert.False((await Store.GetKeyByHashAsync("h1", CancellationToken.None))!.Blocked);
        Assert.False(await Store.SetBlockedAsync("nope", true, T0, CancellationToken.None));
    }

    [Fact]
    public async Task ReplaceKeyHashAsync_Regenerate_MovesKeyWithItsSpend()
    {
        await Store.InsertKeyAsync(NewKey("old", "a"), CancellationToken.None);
        await Store.AddSpendAsync("old", 1.25, CancellationToken.None);
        Assert.True(await Store.ReplaceKeyHashAsync("old", "new", "sk-...wxyz", T0.AddDays(1), CancellationToken.None));
        Assert.Null(await Store.GetKeyByHashAsync("old", CancellationToken.None));
        var moved = await Store.GetKeyByHashAsync("new", CancellationToken.None);
        Assert.Equal(("a", "sk-...wxyz", 1.25), (moved!.KeyAlias, moved.KeyPreview, moved.Spend));
    }

    [Fact]
    public async Task ResetSpendAsync_AfterSpend_ZeroesSpendAndStoresNextReset()
    {
        await Store.InsertKeyAsync(NewKey("h1"), CancellationToken.None);
        await Store.AddSpendAsync("h1", 3, CancellationToken.None);
        await Store.AddSpendAsync("h1", 0.5, CancellationToken.None);
        Assert.Equal(3.5, (await Store.GetKeyByHashAsync("h1", CancellationToken.None))!.Spend);
        await Store.ResetSpendAsync("h1", T0.AddDays(60), CancellationToken.None);
        var key = await Store.GetKeyByHashAsync("h1", CancellationToken.None);
        Assert.Equal((0.0, T0.AddDays(60)), (key!.Spend, key.BudgetResetAt));
    }

    [Fact]
    public async Task WriteUsageAsync_Batch_RoundTripsAndAddsCostToKeySpend()
    {
        await Store.InsertKeyAsync(NewKey("h1"), CancellationToken.None);
        var first = Usage("h1", "glm-pool", T0, 0.25);
        await Store.WriteUsageAsync([first, Usage("h1", "glm-pool", T0.AddSeconds(1), 0.5), Usage(null, "glm-pool", T0, 9)],
            CancellationToken.None);
        Assert.Equal(0.75, (await Store.GetKeyByHashAsync("h1", CancellationToken.None))!.Spend, 9);
        var page = await Store.QueryUsageAsync(new UsageQuery { KeyHash = "h1" }, CancellationToken.None);
        Assert.Equal(2, page.TotalCount);
        Assert.Equal(first, page.Items[^1]);
    }

    [Fact]
    public async Task WriteUsageAsync_BatchOfSeveralStatementsWithRemainder_StoresEveryRowExactly()
    {
        // 123 rows: more than one full multi-row statement plus a partial one; nulls and values alternate between rows.
        await Store.InsertKeyAsync(NewKey("h1"), CancellationToken.None);
        var records = Enumerable.Range(0, 123).Select(i => i % 2 == 0
            ? Usage("h1", "glm-pool", T0.AddSeconds(i), 0.5)
            : Usage(null, "gpt", T0.AddSeconds(i), 1, status: 500) with { DeploymentId = null, UpstreamModel = null, TtftMs = null })
            .ToList();

        await Store.WriteUsageAsync(records, CancellationToken.None);

        var page = await Store.QueryUsageAsync(new UsageQuery { PageSize = 1000 }, CancellationToken.None);
        Assert.Equal(records.AsEnumerable().Reverse(), page.Items);
        Assert.Equal(31.0, (await Store.GetKeyByHashAsync("h1", CancellationToken.None))!.Spend, 9);
    }

    [Fact]
    public async Task WriteUsageAsync_EachFieldRepeatsOrChangesIndependently_StoresEveryRowExactly()
    {
        // A store may skip re-sending a value the previous row had (SQLite keeps bindings across rows): every column
        // here repeats, changes, becomes null or comes back, independently, with shared and equal-but-distinct strings.
        var random = new Random(5);
        string?[] keys = ["h1", "h2", null, string.Concat("h", "1")];
        string?[] texts = ["a", "b", null, string.Concat("a", "")];
        T Pick<T>(T[] values) => values[random.Next(values.Length)];
        var records = new List<UsageRecord>();
        for (var i = 0; i < 400; i++)
        {
            records.Add(new UsageRecord
            {
                Time = T0.AddMilliseconds(random.Next(3) * 1000 + i),
                RequestId = "req-" + i,
                KeyHash = Pick(keys),
                KeyAlias = Pick(texts),
                ModelGroup = Pick(["glm-pool", "gpt", string.Concat("gpt", "")]),
                DeploymentId = Pick(texts),
                UpstreamModel = Pick(texts),
                HttpStatus = Pick([200, 429, 500]),
                ErrorClass = Pick(texts),
                Retries = random.Next(2),
                PromptTokens = random.Next(2),
                CompletionTokens = random.Next(2),
                CachedTokens = random.Next(2),
                CacheCreationTokens = random.Next(2),
                TokensEstimated = random.Next(2) == 1,
                Cost = Pick([0.0, 0.5, -0.0]),
                LatencyMs = Pick([1.5, 2.0]),
                TtftMs = Pick<double?>([null, 3.25, 4.0]),
                Stream = random.Next(2) == 1,
                Api = Pick(["openai", "anthropic"]),
                CacheHit = random.Next(2) == 1,
            });
        }

        await Store.WriteUsageAsync(records, CancellationToken.None);

        var page = await Store.QueryUsageAsync(new UsageQuery { PageSize = 1000 }, CancellationToken.None);
        var stored = page.Items.OrderBy(r => int.Parse(r.RequestId.AsSpan(4), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(records.Count, stored.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.Equal(records[i], stored[i]);
        }
    }

    [Fact]
    public async Task MigrateAsync_FromVersion3_UsageRowsKeepTheirKeys()
    {
        // Version 4 moved the key hash out of usage_logs into usage_keys: rows written before it keep their key.
        await using var store = await CreateUnmigratedStoreAsync();
        var sql = (SqlGatewayStore)store;
        await sql.MigrateAsync(3, CancellationToken.None);
        var old = new[]
        {
            Usage("h1", "glm-pool", T0, 0.25),
            Usage("h2", "glm-pool", T0.AddSeconds(1), 0.5),
            Usage(null, "gpt", T0.AddSeconds(2), 1),
            Usage("h1", "gpt", T0.AddSeconds(3), 2),
        };
        await InsertVersion3RowsAsync(store, old);

        await sql.MigrateAsync(CancellationToken.None);
        await store.WriteUsageAsync([Usage("h2", "glm-pool", T0.AddSeconds(4), 4), Usage("h3", "gpt", T0.AddSeconds(5), 8)],
            CancellationToken.None);

        var h1 = await store.QueryUsageAsync(new UsageQuery { KeyHash = "h1" }, CancellationToken.None);
        Assert.Equal([old[3], old[0]], h1.Items);
        Assert.Equal([4.0, 0.5], (await store.QueryUsageAsync(new UsageQuery { KeyHash = "h2" }, CancellationToken.None)).Items.Select(r => r.Cost));
        Assert.Equal([8.0], (await store.QueryUsageAsync(new UsageQuery { KeyHash = "h3" }, CancellationToken.None)).Items.Select(r => r.Cost));
        var byKey = await store.GetSpendByKeyAsync(null, null, 10, CancellationToken.None);
        Assert.Equal([("h3", 8.0), ("h2", 4.5), ("h1", 2.25), (null, 1.0)], byKey.Select(k => (k.KeyHash, k.Spend)));
    }

    [Fact]
    public async Task WriteUsageAsync_SameBatchTwice_OneRowPerRequestIdAndSpendAddedOnce()
    {
        // A batch whose commit went through but whose acknowledgement was lost is written again by the sink's retry.
        await Store.InsertKeyAsync(NewKey("h1"), CancellationToken.None);
        List<UsageRecord> batch = [Usage("h1", "glm-pool", T0, 0.25), Usage("h1", "glm-pool", T0.AddSeconds(1), 0.5), Usage(null, "gpt", T0, 9)];

        await Store.WriteUsageAsync(batch, CancellationToken.None);
        await Store.WriteUsageAsync(batch, CancellationToken.None);
        await Store.WriteUsageAsync([batch[1], Usage("h1", "glm-pool", T0.AddSeconds(2), 2)], CancellationToken.None);

        var page = await Store.QueryUsageAsync(new UsageQuery { PageSize = 1000 }, CancellationToken.None);
        Assert.Equal(4, page.TotalCount);
        Assert.Equal(4, page.Items.Select(r => r.RequestId).Distinct().Count());
        Assert.Equal(2.75, (await Store.GetKeyByHashAsync("h1", CancellationToken.None))!.Spend, 9);
    }

    [Fact]
    public async Task WriteUsageAsync_ClientReusesRequestIdLater_EachCallKeepsItsRow()
    {
        // A client may send its own x-litellm-call-id again: a later call with it is another call, billed as such.
        await Store.InsertKeyAsync(NewKey("h1"), CancellationToken.None);
        var first = Usage("h1", "glm-pool", T0, 0.25) with { RequestId = "client-id" };

        await Store.WriteUsageAsync([first], CancellationToken.None);
        await Store.WriteUsageAsync([first with { Time = T0.AddSeconds(5) }], CancellationToken.None);

        Assert.Equal(2, (await Store.QueryUsageAsync(new UsageQuery(), CancellationToken.None)).TotalCount);
        Assert.Equal(0.5, (await Store.GetKeyByHashAsync("h1", CancellationToken.None))!.Spend, 9);
    }

    [Fact]
    public async Task MigrateAsync_FromVersion4WithDuplicateRequestIds_KeepsOneRowEach()
    {
        // Before version 5 a retried batch could store a row twice: the unique index must still be created.
        await using var store = await CreateUnmigratedStoreAsync();
        var sql = (SqlGatewayStore)store;
        await sql.MigrateAsync(4, CancellationToken.None);
        await using (var connection = await OpenRawConnectionAsync(store))
        {
            foreach (var (id, cost) in new[] { ("dup", 1.0), ("dup", 1.0), ("single", 2.0), ("dup", 1.0) })
            {
                await using var command = connection.CreateCommand();
                command.CommandText =
                    "INSERT INTO usage_logs (ts_ms, request_id, key_id, key_alias, model_group, deployment_id, upstream_model, http_status, " +
                    "error_class, retries, prompt_tokens, completion_tokens, cached_tokens, tokens_estimated, cost, latency_ms, ttft_ms, stream, api) " +
                    $"VALUES ({T0.ToUnixTimeMilliseconds()}, '{id}', NULL, NULL, 'glm-pool', 'd1', 'glm-4.6', 200, NULL, 0, 10, 5, 0, 0, " +
                    $"{cost.ToString(CultureInfo.InvariantCulture)}, 1.5, NULL, 0, 'openai')";
                await command.ExecuteNonQueryAsync();
            }
        }

        await sql.MigrateAsync(CancellationToken.None);
        await store.WriteUsageAsync([Usage(null, "glm-pool", T0, 1) with { RequestId = "dup" }], CancellationToken.None);

        var page = await store.QueryUsageAsync(new UsageQuery { PageSize = 100 }, CancellationToken.None);
        Assert.Equal(["dup", "single"], page.Items.Select(r => r.RequestId).Order(StringComparer.Ordinal));
        Assert.All(page.Items, r => Assert.Equal(0, r.CacheCreationTokens));
    }

    /// <summary>A plain ADO.NET connection to the database behind <paramref name="store"/>.</summary>
    private protected abstract Task<DbConnection> OpenRawConnectionAsync(IGatewayStore store);

    /// <summary>Rows as version 3 stored them (the key hash in the row), written with plain SQL.</summary>
    private async Task InsertVersion3RowsAsync(IGatewayStore store, IReadOnlyList<UsageRecord> records)
    {
        await using var connection = await OpenRawConnectionAsync(store);
        foreach (var r in records)
        {
            await using var command = connection.CreateCommand();
            command.CommandText =
                "INSERT INTO usage_logs (ts_ms, request_id, key_hash, key_alias, model_group, deployment_id, upstream_model, http_status, " +
                "error_class, retries, prompt_tokens, completion_tokens, cached_tokens, tokens_estimated, cost, latency_ms, ttft_ms, stream, api) " +
                "VALUES (@ts, @rid, @kh, @ka, @mg, @dep, @um, @st, @ec, @re, @pt, @ct, @cached, @est, @cost, @lat, @ttft, @stream, @api)";
            void Add(string name, object? value)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

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
    public async Task WriteUsageAsync_NonAsciiAndLongText_RoundTripsExactly()
    {
        // Text is bound as UTF-8: repeated values from a cache, the request id on the stack unless it is too long for it.
        var records = new[]
        {
            Usage("h1", "glm-пул-池", T0, 0.5) with { KeyAlias = "équipe-🚀", RequestId = "req-ü-" + new string('x', 300) },
            Usage("h1", "glm-пул-池", T0.AddSeconds(1), 0.5) with { KeyAlias = "équipe-🚀", RequestId = "réq-2" },
        };

        await Store.WriteUsageAsync(records, CancellationToken.None);
        await Store.WriteUsageAsync([records[0] with { RequestId = "req-3", Time = T0.AddSeconds(2) }], CancellationToken.None);

        var page = await Store.QueryUsageAsync(new UsageQuery { PageSize = 10 }, CancellationToken.None);
        Assert.Equal([records[0] with { RequestId = "req-3", Time = T0.AddSeconds(2) }, records[1], records[0]], page.Items);
    }

    [Fact]
    public async Task WriteUsageAsync_EmptyBatch_DoesNothing()
    {
        await Store.WriteUsageAsync([], CancellationToken.None);
        Assert.Equal(0, (await Store.GetGlobalSpendAsync(null, null, CancellationToken.None)).Requests);
    }

    [Fact]
    public async Task QueryUsageAsync_Filters_SelectMatchingRowsNewestFirstAndPage()
    {
        await Store.WriteUsageAsync(
        [
            Usage("h1", "glm-pool", T0, 1),
            Usage("h1", "gpt", T0.AddHours(1), 1),
            Usage("h2", "glm-pool", T0.AddHours(2), 1),
            Usage("h1", "glm-pool", T0.AddHours(3), 1),
        ], CancellationToken.None);

        var byKeyAndGroup = await Store.QueryUsageAsync(new UsageQuery { KeyHash = "h1", ModelGroup = "glm-pool" }, CancellationToken.None);
        Assert.Equal([T0.AddHours(3), T0], byKeyAndGroup.Items.Select(r => r.Time));

        var byAlias = await Store.QueryUsageAsync(new UsageQuery { KeyAlias = "alias-h2" }, CancellationToken.None);
        Assert.Equal("h2", Assert.Single(byAlias.Items).KeyHash);

        var byTime = await Store.QueryUsageAsync(new UsageQuery { From = T0.AddHours(1), To = T0.AddHours(3) }, CancellationToken.None);
        Assert.Equal([T0.AddHours(2), T0.AddHours(1)], byTime.Items.Select(r => r.Time));

        var paged = await Store.QueryUsageAsync(new UsageQuery { Page = 2, PageSize = 3 }, CancellationToken.None);
        Assert.Equal((4L, 2, T0), (paged.TotalCount, paged.TotalPages, Assert.Single(paged.Items).Time));
    }

    [Fact]
    public async Task Aggregates_GlobalPerKeyPerGroupPerDeploymentDay_SumCorrectly()
    {
        await Store.WriteUsageAsync(
        [
            Usage("h1", "glm-pool", T0, 1, "d1"),
            Usage("h1", "glm-pool", T0.AddDays(1), 2, "d1"),
            Usage("h2", "gpt", T0.AddDays(1), 4, "d2", status: 500),
            Usage(null, "gpt", T0.AddDays(1).AddHours(1), 8, "d2"),
        ], CancellationToken.None);

        var global = await Store.GetGlobalSpendAsync(null, null, CancellationToken.None);
        Assert.Equal(new SpendTotal(15, 4, 400, 80), global);
        Assert.Equal(14, (await Store.GetGlobalSpendAsync(T0.AddHours(1), null, CancellationToken.None)).Spend);

        var byKey = await Store.GetSpendByKeyAsync(null, null, 10, CancellationToken.None);
        Assert.Equal([(null, 8.0), ("h2", 4.0), ("h1", 3.0)], byKey.Select(k => (k.KeyHash, k.Spend)));
        Assert.Equal(("alias-h1", 2L, 240L), (byKey[2].KeyAlias, byKey[2].Requests, byKey[2].TotalTokens));
        Assert.Equal(2, (await Store.GetSpendByKeyAsync(null, null, 2, CancellationToken.None)).Count);

        var byGroup = await Store.GetSpendByModelGroupAsync(null, null, 10, CancellationToken.None);
        Assert.Equal([("gpt", 12.0, 2L), ("glm-pool", 3.0, 2L)], byGroup.Select(g => (g.ModelGroup, g.Spend, g.Requests)));

        var byDay = await Store.GetSpendByDeploymentPerDayAsync(T0.AddDays(-1), CancellationToken.None);
        var day1 = DateOnly.FromDateTime(T0.UtcDateTime);
        Assert.Equal(
        [
            new DeploymentDaySpend(day1.AddDays(1), "d1", "glm-pool", 1, 0, 100, 20, 2),
            new DeploymentDaySpend(day1.AddDays(1), "d2", "gpt", 2, 1, 200, 40, 12),
            new DeploymentDaySpend(day1, "d1", "glm-pool", 1, 0, 100, 20, 1),
        ], byDay);
    }
}
