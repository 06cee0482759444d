using System.Data.Common;
using System.Globalization;

namespace Switchboard.Storage;

internal abstract partial class SqlGatewayStore : IUsageReports
{
    /// <summary>Minute buckets older than this (behind the newest row written) are deleted; hour and day buckets stay.</summary>
    private const long MinuteRetentionMs = 2 * DayMs;

    /// <summary>At most one prune per this much row time, so that a busy writer does not delete on every batch.</summary>
    private const long PruneEveryMs = 600_000;

    private long _lastPruneMs;

    /// <summary>The columns of every rollup table, in the order the writers bind them.</summary>
    protected const string RollupColumns =
        "bucket_ms, key_id, model_group, deployment_id, requests, failures, prompt_tokens, completion_tokens, cost, latency_ms";

    protected static string RollupTable(RollupGrain grain) => grain switch
    {
        RollupGrain.Minute => "usage_rollup_minute",
        RollupGrain.Hour => "usage_rollup_hour",
        _ => "usage_rollup_day",
    };

    /// <summary>The conflict clause every rollup upsert ends with: an existing bucket row adds the new totals (table aliased <c>t</c>).</summary>
    protected const string RollupConflictSql =
        "ON CONFLICT (bucket_ms, key_id, model_group, deployment_id) DO UPDATE SET " +
        "requests = t.requests + excluded.requests, failures = t.failures + excluded.failures, " +
        "prompt_tokens = t.prompt_tokens + excluded.prompt_tokens, completion_tokens = t.completion_tokens + excluded.completion_tokens, " +
        "cost = t.cost + excluded.cost, latency_ms = t.latency_ms + excluded.latency_ms";

    /// <summary>Adds a batch's stored rows to the rollup tables, in the batch's transaction; now and then prunes old minutes.</summary>
    private async Task WriteRollupsAsync(DbConnection connection, DbTransaction transaction, UsageRollupBatch rollups, CancellationToken ct)
    {
        await UpsertRollupsAsync(connection, transaction, rollups, ct);
        if (rollups.NewestMs - Interlocked.Read(ref _lastPruneMs) >= PruneEveryMs)
        {
            await using var prune = Command(connection, transaction, "DELETE FROM usage_rollup_minute WHERE bucket_ms < @cutoff");
            Add(prune, "cutoff", rollups.NewestMs - MinuteRetentionMs);
            await prune.ExecuteNonQueryAsync(ct);
            Interlocked.Exchange(ref _lastPruneMs, rollups.NewestMs);
        }
    }

    /// <summary>
    /// Adds the batch's totals to every grain's table. This default binds one prepared upsert per bucket row, which costs
    /// nothing on an in-process database (SQLite); a server database overrides it with one statement for the whole batch.
    /// </summary>
    protected virtual async Task UpsertRollupsAsync(DbConnection connection, DbTransaction transaction, UsageRollupBatch rollups, CancellationToken ct)
    {
        foreach (var (grain, _) in UsageRollupBatch.Grains)
        {
            var rows = rollups.For(grain);
            if (rows.Count == 0)
            {
                continue;
            }

            await using var command = Command(connection, transaction,
                $"INSERT INTO {RollupTable(grain)} AS t ({RollupColumns}) VALUES (@bucket_ms, @key_id, @model_group, @deployment_id, " +
                $"@requests, @failures, @prompt_tokens, @completion_tokens, @cost, @latency_ms) {RollupConflictSql}");
            var p = new DbParameter[10];
            string[] names = ["bucket_ms", "key_id", "model_group", "deployment_id", "requests", "failures", "prompt_tokens", "completion_tokens", "cost", "latency_ms"];
            for (var i = 0; i < names.Length; i++)
            {
                p[i] = command.CreateParameter();
                p[i].ParameterName = names[i];
                command.Parameters.Add(p[i]);
            }

            foreach (var (key, t) in rows)
            {
                p[0].Value = key.BucketMs;
                p[1].Value = key.KeyId;
                p[2].Value = key.ModelGroup;
                p[3].Value = key.DeploymentId;
                p[4].Value = t.Requests;
                p[5].Value = t.Failures;
                p[6].Value = t.PromptTokens;
                p[7].Value = t.CompletionTokens;
                p[8].Value = t.Cost;
                p[9].Value = t.LatencyMs;
                await command.ExecuteNonQueryAsync(ct);
            }
        }
    }

    public async Task<IReadOnlyList<UsageBucket>> GetUsageSeriesAsync(
        RollupGrain grain, DateTimeOffset from, DateTimeOffset to, long stepMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT (bucket_ms / @step) * @step AS b, SUM(requests), SUM(failures), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost) " +
            $"FROM {RollupTable(grain)} WHERE bucket_ms >= @from_ms AND bucket_ms < @to_ms GROUP BY (bucket_ms / @step) * @step ORDER BY b");
        Add(command, "step", Math.Max(stepMs, 1));
        Add(command, "from_ms", ToMs(from));
        Add(command, "to_ms", ToMs(to));
        var rows = new List<UsageBucket>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new UsageBucket(FromMs(GetLong(reader, 0)), GetLong(reader, 1), GetLong(reader, 2), GetLong(reader, 3),
                GetLong(reader, 4), GetDouble(reader, 5)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<UsageSlice>> GetUsageBreakdownAsync(
        RollupGrain grain, UsageDimension dimension, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        var column = dimension switch
        {
            UsageDimension.Key => "key_id",
            UsageDimension.ModelGroup => "model_group",
            _ => "deployment_id",
        };
        var inner = $"SELECT {column} AS dim, SUM(requests) AS requests, SUM(failures) AS failures, SUM(prompt_tokens) AS prompt_tokens, " +
            "SUM(completion_tokens) AS completion_tokens, SUM(cost) AS cost, SUM(latency_ms) AS latency_ms " +
            $"FROM {RollupTable(grain)} WHERE bucket_ms >= @from_ms AND bucket_ms < @to_ms GROUP BY {column} " +
            $"ORDER BY SUM(cost) DESC, SUM(requests) DESC, {column} LIMIT @limit";
        // A key is named by its alias, else its masked preview; the hash is looked up only for the rows kept.
        var sql = dimension == UsageDimension.Key
            ? "SELECT COALESCE(v.key_alias, v.key_preview), k.key_hash, t.requests, t.failures, t.prompt_tokens, t.completion_tokens, t.cost, t.latency_ms " +
              $"FROM ({inner}) t LEFT JOIN usage_keys k ON k.id = t.dim LEFT JOIN virtual_keys v ON v.key_hash = k.key_hash " +
              "ORDER BY t.cost DESC, t.requests DESC"
            : "SELECT t.dim, NULL, t.requests, t.failures, t.prompt_tokens, t.completion_tokens, t.cost, t.latency_ms " +
              $"FROM ({inner}) t ORDER BY t.cost DESC, t.requests DESC";
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, sql);
        Add(command, "from_ms", ToMs(from));
        Add(command, "to_ms", ToMs(to));
        Add(command, "limit", (long)Math.Clamp(limit, 1, 1000));
        var rows = new List<UsageSlice>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.IsDBNull(0) ? null : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture);
            if (dimension == UsageDimension.Deployment && name == "")
            {
                name = null;
            }

            rows.Add(new UsageSlice(name, GetString(reader, 1), GetLong(reader, 2), GetLong(reader, 3), GetLong(reader, 4),
                GetLong(reader, 5), GetDouble(reader, 6), GetDouble(reader, 7)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<UsageRollupRow>> GetRollupRowsAsync(
        RollupGrain grain, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT r.bucket_ms, k.key_hash, r.model_group, r.deployment_id, r.requests, r.failures, r.prompt_tokens, r.completion_tokens, " +
            $"r.cost, r.latency_ms FROM {RollupTable(grain)} r LEFT JOIN usage_keys k ON k.id = r.key_id " +
            "WHERE r.bucket_ms >= @from_ms AND r.bucket_ms < @to_ms ORDER BY r.bucket_ms, r.key_id, r.model_group, r.deployment_id");
        Add(command, "from_ms", ToMs(from));
        Add(command, "to_ms", ToMs(to));
        var rows = new List<UsageRollupRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var deployment = GetString(reader, 3);
            rows.Add(new UsageRollupRow(FromMs(GetLong(reader, 0)), GetString(reader, 1), reader.GetString(2),
                string.IsNullOrEmpty(deployment) ? null : deployment, GetLong(reader, 4), GetLong(reader, 5), GetLong(reader, 6),
                GetLong(reader, 7), GetDouble(reader, 8), GetDouble(reader, 9)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<UsageRecord>> GetRecentUsageAsync(UsageQuery query, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, "");
        var filter = UsageFilter(command, query);
        if (query.Failed is { } failed)
        {
            filter += (filter.Length == 0 ? " WHERE " : " AND ") + (failed ? "u.http_status >= 400" : "u.http_status < 400");
        }

        // Newest first by time alone, so that the (ts_ms, request_id) index or the (key_id, ts_ms) one yields rows in order and
        // the scan stops at the limit (a tie-break on id made both stores sort every matching row: 0.5 s on 1,000,000 rows).
        command.CommandText = $"SELECT {UsageSelectColumns}{UsageFrom}{filter} ORDER BY u.ts_ms DESC LIMIT @limit";
        Add(command, "limit", (long)Math.Clamp(limit, 1, 1000));
        var records = new List<UsageRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(ReadUsage(reader));
        }

        return records;
    }
}
