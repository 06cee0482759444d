using System.Data.Common;
using System.Globalization;

namespace Switchboard.Storage;

internal abstract partial class SqlGatewayStore
{
    /// <summary>The columns a usage row is written with: the key as its small id in <c>usage_keys</c>, not its hash.</summary>
    protected const string UsageColumns =
        "ts_ms, request_id, key_id, key_alias, model_group, deployment_id, upstream_model, http_status, error_class, retries, " +
        "prompt_tokens, completion_tokens, cached_tokens, tokens_estimated, cost, latency_ms, ttft_ms, stream, api, cache_creation_tokens, cache_hit";

    /// <summary>The same columns read back, the key's hash joined in (<see cref="UsageFrom"/>).</summary>
    private const string UsageSelectColumns =
        "u.ts_ms, u.request_id, k.key_hash, u.key_alias, u.model_group, u.deployment_id, u.upstream_model, u.http_status, " +
        "u.error_class, u.retries, u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.tokens_estimated, u.cost, " +
        "u.latency_ms, u.ttft_ms, u.stream, u.api, u.cache_creation_tokens, u.cache_hit";

    private const string UsageFrom = " FROM usage_logs u LEFT JOIN usage_keys k ON k.id = u.key_id";

    /// <summary>Key hash → its id in usage_keys, for ids already committed (an id never changes once committed).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _usageKeyIds = new(StringComparer.Ordinal);

    /// <summary>The committed id of a key hash of the batch being written (<see cref="AddUsageKeysAsync"/>); null without a key.</summary>
    protected long? UsageKeyId(string? keyHash) =>
        keyHash is null ? null
            : _usageKeyIds.TryGetValue(keyHash, out var id) ? id
            : throw new InvalidOperationException("usage key id not resolved before the insert");

    /// <summary>
    /// Gives each key hash its row in usage_keys, in a transaction of its own and before the batch's: the ids are
    /// remembered only once committed, so a batch that fails cannot leave an id that another key later gets.
    /// </summary>
    private async Task AddUsageKeysAsync(List<string> hashes, CancellationToken cancellationToken)
    {
        var found = await WriteAsync(async (connection, transaction, ct) =>
        {
            var ids = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var hash in hashes)
            {
                await using (var insert = Command(connection, transaction,
                    "INSERT INTO usage_keys (key_hash) VALUES (@key_hash) ON CONFLICT (key_hash) DO NOTHING"))
                {
                    Add(insert, "key_hash", hash);
                    await insert.ExecuteNonQueryAsync(ct);
                }

                await using var select = Command(connection, transaction, "SELECT id FROM usage_keys WHERE key_hash = @key_hash");
                Add(select, "key_hash", hash);
                ids[hash] = Convert.ToInt64(await select.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
            }

            return ids;
        }, cancellationToken);

        // Not bounded: one entry per key that ever made a call, as usage_keys itself.
        foreach (var (hash, id) in found)
        {
            _usageKeyIds[hash] = id;
        }
    }

    private const long DayMs = 86_400_000;

    public Task WriteUsageAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WriteBatchAsync(records, cancellationToken);
    }

    private async Task WriteBatchAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        // One pass for the keys without an id yet; each key's spend (one UPDATE per key, not per record: a batch is mostly
        // a few busy keys) is summed by the insert over the rows it stored.
        List<string>? newKeys = null;
        string? last = null;
        foreach (var record in records)
        {
            if (record.KeyHash is not { } hash)
            {
                continue;
            }

            if (!ReferenceEquals(hash, last) && !_usageKeyIds.ContainsKey(hash) && !(newKeys?.Contains(hash) ?? false))
            {
                (newKeys ??= []).Add(hash);
            }

            last = hash;
        }

        if (newKeys is not null)
        {
            await AddUsageKeysAsync(newKeys, cancellationToken);
        }

        await WriteAsync(async (connection, transaction, ct) =>
        {
            var spendByKey = new Dictionary<string, double>(StringComparer.Ordinal);
            var rollups = new UsageRollupBatch();
            await InsertUsageAsync(connection, transaction, records, spendByKey, rollups, ct);
            await WriteRollupsAsync(connection, transaction, rollups, ct);
            foreach (var (hash, amount) in spendByKey.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                await AddSpendAsync(connection, transaction, hash, amount, ct);
            }

            return records.Count;
        }, cancellationToken);
    }

    public async Task<Page<UsageRecord>> QueryUsageAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var page = Math.Max(query.Page, 1);
        var pageSize = Math.Clamp(query.PageSize, 1, 1000);
        await using var connection = await OpenReadConnectionAsync(cancellationToken);

        long total;
        await using (var count = Command(connection, null, ""))
        {
            count.CommandText = "SELECT COUNT(*) FROM usage_logs u" + UsageFilter(count, query);
            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        await using var command = Command(connection, null, "");
        command.CommandText = $"SELECT {UsageSelectColumns}{UsageFrom}{UsageFilter(command, query)} " +
            "ORDER BY u.ts_ms DESC, u.id DESC LIMIT @limit OFFSET @offset";
        Add(command, "limit", (long)pageSize);
        Add(command, "offset", (long)(page - 1) * pageSize);
        var records = new List<UsageRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(ReadUsage(reader));
        }

        return new Page<UsageRecord>(records, total, page, pageSize);
    }

    public async Task<SpendTotal> GetGlobalSpendAsync(DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, "");
        command.CommandText = "SELECT COALESCE(SUM(cost), 0), COUNT(*), CAST(COALESCE(SUM(prompt_tokens), 0) AS BIGINT), " +
            "CAST(COALESCE(SUM(completion_tokens), 0) AS BIGINT) FROM usage_logs" + TimeFilter(command, from, to, " WHERE ");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new SpendTotal(GetDouble(reader, 0), GetLong(reader, 1), GetLong(reader, 2), GetLong(reader, 3));
    }

    public async Task<IReadOnlyList<KeySpend>> GetSpendByKeyAsync(
        DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, "");
        command.CommandText = "SELECT k.key_hash, MAX(u.key_alias), COALESCE(SUM(u.cost), 0) AS total, COUNT(*), " +
            "CAST(COALESCE(SUM(u.prompt_tokens + u.completion_tokens), 0) AS BIGINT)" + UsageFrom +
            TimeFilter(command, from, to, " WHERE ") + " GROUP BY k.key_hash ORDER BY total DESC, k.key_hash LIMIT @limit";
        Add(command, "limit", (long)Math.Clamp(limit, 1, 10_000));
        var rows = new List<KeySpend>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new KeySpend(GetString(reader, 0), GetString(reader, 1), GetDouble(reader, 2), GetLong(reader, 3), GetLong(reader, 4)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<ModelGroupSpend>> GetSpendByModelGroupAsync(
        DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, "");
        command.CommandText = "SELECT model_group, COALESCE(SUM(cost), 0) AS total, COUNT(*), " +
            "CAST(COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS BIGINT) FROM usage_logs" +
            TimeFilter(command, from, to, " WHERE ") + " GROUP BY model_group ORDER BY total DESC, model_group LIMIT @limit";
        Add(command, "limit", (long)Math.Clamp(limit, 1, 10_000));
        var rows = new List<ModelGroupSpend>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ModelGroupSpend(reader.GetString(0), GetDouble(reader, 1), GetLong(reader, 2), GetLong(reader, 3)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<DeploymentDaySpend>> GetSpendByDeploymentPerDayAsync(
        DateTimeOffset from, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, "");
        command.CommandText = "SELECT ts_ms / 86400000 AS day, deployment_id, model_group, COUNT(*), " +
            "SUM(CASE WHEN http_status >= 400 THEN 1 ELSE 0 END), CAST(COALESCE(SUM(prompt_tokens), 0) AS BIGINT), " +
            "CAST(COALESCE(SUM(completion_tokens), 0) AS BIGINT), COALESCE(SUM(cost), 0) FROM usage_logs" +
            TimeFilter(command, from, null, " WHERE ") +
            " GROUP BY ts_ms / 86400000, deployment_id, model_group ORDER BY day DESC, deployment_id, model_group";
        var rows = new List<DeploymentDaySpend>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var day = DateOnly.FromDateTime(FromMs(GetLong(reader, 0) * DayMs).UtcDateTime);
            rows.Add(new DeploymentDaySpend(day, GetString(reader, 1), reader.GetString(2), GetLong(reader, 3), GetLong(reader, 4),
                GetLong(reader, 5), GetLong(reader, 6), GetDouble(reader, 7)));
        }

        return rows;
    }

    private static string UsageFilter(DbCommand command, UsageQuery query)
    {
        var clauses = new List<string>();
        if (query.KeyHash is { } hash)
        {
            clauses.Add("u.key_id = (SELECT id FROM usage_keys WHERE key_hash = @key_hash)");
            Add(command, "key_hash", hash);
        }

        if (query.KeyAlias is { } alias)
        {
            clauses.Add("key_alias = @key_alias");
            Add(command, "key_alias", alias);
        }

        if (query.ModelGroup is { } group)
        {
            clauses.Add("model_group = @model_group");
            Add(command, "model_group", group);
        }

        var time = TimeFilter(command, query.From, query.To, "");
        if (time.Length > 0)
        {
            clauses.Add(time);
        }

        return clauses.Count == 0 ? "" : " WHERE " + string.Join(" AND ", clauses);
    }

    private static UsageRecord ReadUsage(DbDataReader reader) => new()
    {
        Time = FromMs(GetLong(reader, 0)),
        RequestId = reader.GetString(1),
        KeyHash = GetString(reader, 2),
        KeyAlias = GetString(reader, 3),
        ModelGroup = reader.GetString(4),
        DeploymentId = GetString(reader, 5),
        UpstreamModel = GetString(reader, 6),
        HttpStatus = (int)GetLong(reader, 7),
        ErrorClass = GetString(reader, 8),
        Retries = (int)GetLong(reader, 9),
        PromptTokens = GetLong(reader, 10),
        CompletionTokens = GetLong(reader, 11),
        CachedTokens = GetLong(reader, 12),
        CacheCreationTokens = GetLong(reader, 19),
        TokensEstimated = GetLong(reader, 13) != 0,
        Cost = GetDouble(reader, 14),
        LatencyMs = GetDouble(reader, 15),
        TtftMs = GetNullableDouble(reader, 16),
        Stream = GetLong(reader, 17) != 0,
        CacheHit = GetLong(reader, 20) != 0,
        Api = reader.GetString(18),
    };
}
