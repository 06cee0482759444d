using System.Data.Common;
using System.Globalization;

namespace Switchboard.Storage;

internal abstract partial class SqlGatewayStore
{
    protected const string UsageColumns =
        "ts_ms, request_id, key_hash, key_alias, model_group, deployment_id, upstream_model, http_status, error_class, retries, " +
        "prompt_tokens, completion_tokens, cached_tokens, tokens_estimated, cost, latency_ms, ttft_ms, stream, api";

    private const long DayMs = 86_400_000;

    public Task WriteUsageAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WriteAsync(async (connection, transaction, ct) =>
        {
            await InsertUsageAsync(connection, transaction, records, ct);

            // One UPDATE per key, not per record: a batch is mostly a few busy keys.
            var spendByKey = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                if (record.KeyHash is { } hash && record.Cost != 0)
                {
                    spendByKey[hash] = spendByKey.GetValueOrDefault(hash) + record.Cost;
                }
            }

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
            count.CommandText = "SELECT COUNT(*) FROM usage_logs" + UsageFilter(count, query);
            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        await using var command = Command(connection, null, "");
        command.CommandText = $"SELECT {UsageColumns} FROM usage_logs{UsageFilter(command, query)} " +
            "ORDER BY ts_ms DESC, id DESC LIMIT @limit OFFSET @offset";
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
        command.CommandText = "SELECT key_hash, MAX(key_alias), COALESCE(SUM(cost), 0) AS total, COUNT(*), " +
            "CAST(COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS BIGINT) FROM usage_logs" +
            TimeFilter(command, from, to, " WHERE ") + " GROUP BY key_hash ORDER BY total DESC, key_hash LIMIT @limit";
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
            clauses.Add("key_hash = @key_hash");
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
        TokensEstimated = GetLong(reader, 13) != 0,
        Cost = GetDouble(reader, 14),
        LatencyMs = GetDouble(reader, 15),
        TtftMs = GetNullableDouble(reader, 16),
        Stream = GetLong(reader, 17) != 0,
        Api = reader.GetString(18),
    };
}
