using System.Data.Common;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Switchboard.Storage;

internal sealed partial class PostgresGatewayStore
{
    /// <summary>
    /// The batch's rollup totals for every grain in ONE statement, one round trip: each grain's rows go as ten arrays,
    /// unnested into an <c>INSERT … ON CONFLICT DO UPDATE</c> in a data-modifying CTE (each runs once, whatever the main
    /// query reads). An upsert per bucket row waited for the server once per row, a few dozen times per batch.
    /// A grain's keys are unique within the batch (one dictionary entry each), so no statement updates a row twice.
    /// </summary>
    private static readonly string RollupBatchSql = BuildRollupBatchSql();

    protected override async Task UpsertRollupsAsync(DbConnection connection, DbTransaction transaction, UsageRollupBatch rollups, CancellationToken ct)
    {
        if (UsageRollupBatch.Grains.All(g => rollups.For(g.Grain).Count == 0))
        {
            return;
        }

        await using var command = (NpgsqlCommand)Command(connection, transaction, RollupBatchSql);
        foreach (var (grain, _) in UsageRollupBatch.Grains)
        {
            var rows = rollups.For(grain);
            var n = rows.Count;
            var (buckets, keys, groups, deployments) = (new long[n], new long[n], new string[n], new string[n]);
            var (requests, failures, prompt, completion) = (new long[n], new long[n], new long[n], new long[n]);
            var (cost, latency) = (new double[n], new double[n]);
            var i = 0;
            foreach (var (key, t) in rows)
            {
                (buckets[i], keys[i], groups[i], deployments[i]) = (key.BucketMs, key.KeyId, key.ModelGroup, key.DeploymentId);
                (requests[i], failures[i], prompt[i], completion[i], cost[i], latency[i]) =
                    (t.Requests, t.Failures, t.PromptTokens, t.CompletionTokens, t.Cost, t.LatencyMs);
                i++;
            }

            var prefix = Prefix(grain);
            command.Parameters.Add(new NpgsqlParameter<long[]>(prefix + "bucket_ms", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = buckets });
            command.Parameters.Add(new NpgsqlParameter<long[]>(prefix + "key_id", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = keys });
            command.Parameters.Add(new NpgsqlParameter<string[]>(prefix + "model_group", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = groups });
            command.Parameters.Add(new NpgsqlParameter<string[]>(prefix + "deployment_id", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = deployments });
            command.Parameters.Add(new NpgsqlParameter<long[]>(prefix + "requests", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = requests });
            command.Parameters.Add(new NpgsqlParameter<long[]>(prefix + "failures", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = failures });
            command.Parameters.Add(new NpgsqlParameter<long[]>(prefix + "prompt_tokens", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = prompt });
            command.Parameters.Add(new NpgsqlParameter<long[]>(prefix + "completion_tokens", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = completion });
            command.Parameters.Add(new NpgsqlParameter<double[]>(prefix + "cost", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = cost });
            command.Parameters.Add(new NpgsqlParameter<double[]>(prefix + "latency_ms", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = latency });
        }

        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Prefix(RollupGrain grain) => grain.ToString().ToLowerInvariant() + "_";

    private static string BuildRollupBatchSql()
    {
        var sql = new StringBuilder("WITH ");
        foreach (var (grain, _) in UsageRollupBatch.Grains)
        {
            var p = "@" + Prefix(grain);
            if (sql.Length > "WITH ".Length)
            {
                sql.Append(", ");
            }

            sql.Append(Prefix(grain)).Append("upsert AS (INSERT INTO ").Append(RollupTable(grain)).Append(" AS t (").Append(RollupColumns).Append(") ")
                .Append("SELECT * FROM unnest(").Append(p).Append("bucket_ms, ").Append(p).Append("key_id, ").Append(p).Append("model_group, ")
                .Append(p).Append("deployment_id, ").Append(p).Append("requests, ").Append(p).Append("failures, ").Append(p).Append("prompt_tokens, ")
                .Append(p).Append("completion_tokens, ").Append(p).Append("cost, ").Append(p).Append("latency_ms) ")
                .Append(RollupConflictSql).Append(')');
        }

        return sql.Append(" SELECT 1").ToString();
    }
}
