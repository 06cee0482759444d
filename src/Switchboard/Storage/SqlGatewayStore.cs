using System.Data.Common;
using System.Globalization;

namespace Switchboard.Storage;

/// <summary>
/// The SQL both databases share: plain ADO.NET with <c>@name</c> parameters (both providers take them),
/// times as Unix milliseconds and booleans as integers so that one query text serves SQLite and PostgreSQL.
/// A subclass supplies connections, the migration DDL and how its driver reports a unique violation.
/// </summary>
internal abstract partial class SqlGatewayStore : IGatewayStore
{
    public abstract string Kind { get; }

    protected abstract IReadOnlyList<Migration> Migrations { get; }

    /// <summary>DDL of the migrations table itself, run before anything else.</summary>
    protected abstract string MigrationsTableSql { get; }

    /// <summary>Statement that serialises concurrent migrators (several instances starting at once), or null.</summary>
    protected virtual string? MigrationLockSql => null;

    protected abstract Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="work"/> in one write transaction and commits it.</summary>
    protected abstract Task<T> WriteAsync<T>(
        Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken);

    protected abstract bool IsUniqueViolation(Exception exception);

    public abstract ValueTask DisposeAsync();

    public Task MigrateAsync(CancellationToken cancellationToken) => MigrateAsync(int.MaxValue, cancellationToken);

    /// <summary>Applies the migrations up to <paramref name="version"/> (tests build an older schema with it).</summary>
    internal Task MigrateAsync(int version, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction, ct) =>
        {
            if (MigrationLockSql is { } lockSql)
            {
                await ExecuteAsync(connection, transaction, lockSql, ct);
            }

            await ExecuteAsync(connection, transaction, MigrationsTableSql, ct);
            var applied = new HashSet<int>();
            await using (var command = Command(connection, transaction, "SELECT version FROM schema_migrations"))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    applied.Add(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture));
                }
            }

            foreach (var migration in Migrations.Where(m => m.Version <= version).OrderBy(m => m.Version))
            {
                if (applied.Contains(migration.Version))
                {
                    continue;
                }

                await ExecuteAsync(connection, transaction, migration.Sql, ct);
                await using var record = Command(connection, transaction,
                    "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)");
                Add(record, "version", migration.Version);
                Add(record, "name", migration.Name);
                await record.ExecuteNonQueryAsync(ct);
            }

            return true;
        }, cancellationToken);

    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // all SQL here is built from constants; values always go through parameters
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        return command;
    }

    protected static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(ct);
    }

    protected static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private static long ToMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static long? ToMs(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static long GetLong(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static long? GetNullableLong(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static double GetDouble(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToDouble(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static double? GetNullableDouble(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToDouble(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static string? GetString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static int Bool(bool value) => value ? 1 : 0;

    /// <summary>Builds <c>WHERE</c> text and parameters for a time range over <c>ts_ms</c>.</summary>
    private static string TimeFilter(DbCommand command, DateTimeOffset? from, DateTimeOffset? to, string prefix)
    {
        var clauses = new List<string>();
        if (from is { } f)
        {
            clauses.Add("ts_ms >= @from_ms");
            Add(command, "from_ms", ToMs(f));
        }

        if (to is { } t)
        {
            clauses.Add("ts_ms < @to_ms");
            Add(command, "to_ms", ToMs(t));
        }

        return clauses.Count == 0 ? "" : prefix + string.Join(" AND ", clauses);
    }
}
