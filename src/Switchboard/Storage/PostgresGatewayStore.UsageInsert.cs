using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Switchboard.Storage;

internal sealed partial class PostgresGatewayStore
{
    private const string UsageCopySql =
        $"COPY usage_logs ({UsageColumns}) FROM STDIN (FORMAT BINARY)";

    /// <summary>
    /// A batch of usage rows as one binary COPY inside the batch's transaction: one round trip for the batch, where an
    /// INSERT per row waits for the server once per row (measured, 20,000 rows: 160 → 16 µs wall and 160 → 13 µs of
    /// client CPU per row). Types match the table exactly (binary COPY does not convert). Values go into the importer's
    /// buffer through the synchronous writes, which block only when a full buffer is sent (the usage writer has its own
    /// thread); awaiting each of the 19 values per row cost ~3 µs more per row.
    /// </summary>
    protected override async Task InsertUsageAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<UsageRecord> records,
        CancellationToken ct)
    {
        await using var copy = await ((NpgsqlConnection)connection).BeginBinaryImportAsync(UsageCopySql, ct);
        foreach (var r in records)
        {
            ct.ThrowIfCancellationRequested();
            copy.StartRow();
            copy.Write(r.Time.ToUnixTimeMilliseconds(), NpgsqlDbType.Bigint);
            copy.Write(r.RequestId, NpgsqlDbType.Text);
            WriteNullable(copy, UsageKeyId(r.KeyHash), NpgsqlDbType.Bigint);
            WriteText(copy, r.KeyAlias);
            copy.Write(r.ModelGroup, NpgsqlDbType.Text);
            WriteText(copy, r.DeploymentId);
            WriteText(copy, r.UpstreamModel);
            copy.Write(r.HttpStatus, NpgsqlDbType.Integer);
            WriteText(copy, r.ErrorClass);
            copy.Write(r.Retries, NpgsqlDbType.Integer);
            copy.Write(r.PromptTokens, NpgsqlDbType.Bigint);
            copy.Write(r.CompletionTokens, NpgsqlDbType.Bigint);
            copy.Write(r.CachedTokens, NpgsqlDbType.Bigint);
            copy.Write(r.TokensEstimated ? 1 : 0, NpgsqlDbType.Integer);
            copy.Write(r.Cost, NpgsqlDbType.Double);
            copy.Write(r.LatencyMs, NpgsqlDbType.Double);
            WriteNullable(copy, r.TtftMs, NpgsqlDbType.Double);
            copy.Write(r.Stream ? 1 : 0, NpgsqlDbType.Integer);
            copy.Write(r.Api, NpgsqlDbType.Text);
        }

        await copy.CompleteAsync(ct);
    }

    private static void WriteNullable<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type)
        where T : struct
    {
        if (value is { } present)
        {
            copy.Write(present, type);
        }
        else
        {
            copy.WriteNull();
        }
    }

    private static void WriteText(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, NpgsqlDbType.Text);
        }
    }
}
