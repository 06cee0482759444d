using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Switchboard.Storage;

/// <summary>
/// The embedded default: one file in WAL mode. Writes go through one long-lived connection, one at a time,
/// because SQLite has a single writer anyway and queuing here beats spinning on SQLITE_BUSY; reads use
/// pooled connections and run beside the writer (WAL).
/// </summary>
internal sealed partial class SqliteGatewayStore : SqlGatewayStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writeConnection;

    public SqliteGatewayStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        FilePath = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    public override string Kind => "sqlite";

    protected override string MigrationsTableSql =>
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, " +
        "applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)";

    protected override IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "virtual keys and usage logs", """
            CREATE TABLE virtual_keys (
                key_hash TEXT PRIMARY KEY,
                key_alias TEXT NULL,
                key_preview TEXT NOT NULL,
                models TEXT NOT NULL,
                max_budget REAL NULL,
                budget_duration TEXT NULL,
                budget_reset_at_ms INTEGER NULL,
                rpm_limit INTEGER NULL,
                tpm_limit INTEGER NULL,
                max_parallel_requests INTEGER NULL,
                expires_at_ms INTEGER NULL,
                metadata TEXT NULL,
                blocked INTEGER NOT NULL DEFAULT 0,
                spend REAL NOT NULL DEFAULT 0,
                created_at_ms INTEGER NOT NULL,
                updated_at_ms INTEGER NOT NULL);
            CREATE UNIQUE INDEX ux_virtual_keys_alias ON virtual_keys (key_alias);
            CREATE TABLE usage_logs (
                id INTEGER PRIMARY KEY,
                ts_ms INTEGER NOT NULL,
                request_id TEXT NOT NULL,
                key_hash TEXT NULL,
                key_alias TEXT NULL,
                model_group TEXT NOT NULL,
                deployment_id TEXT NULL,
                upstream_model TEXT NULL,
                http_status INTEGER NOT NULL,
                error_class TEXT NULL,
                retries INTEGER NOT NULL,
                prompt_tokens INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                cached_tokens INTEGER NOT NULL,
                tokens_estimated INTEGER NOT NULL,
                cost REAL NOT NULL,
                latency_ms REAL NOT NULL,
                ttft_ms REAL NULL,
                stream INTEGER NOT NULL,
                api TEXT NOT NULL);
            CREATE INDEX ix_usage_logs_ts ON usage_logs (ts_ms);
            CREATE INDEX ix_usage_logs_key_ts ON usage_logs (key_hash, ts_ms);
            CREATE INDEX ix_usage_logs_group_ts ON usage_logs (model_group, ts_ms);
            CREATE INDEX ix_usage_logs_deployment_ts ON usage_logs (deployment_id, ts_ms);
            """),
        // No query filters on deployment_id (per-deployment usage groups within a time range, served by ix_usage_logs_ts),
        // and each secondary index costs every usage row a b-tree insert.
        new(2, "drop the unused usage_logs deployment index", "DROP INDEX IF EXISTS ix_usage_logs_deployment_ts;"),
        // Every call pays each index's b-tree insert (on SQLite ~0.6 µs of CPU per row for this one); a model group filter
        // walks ix_usage_logs_ts newest first instead, and the per-group totals read a time range or the whole table anyway.
        new(3, "drop the usage_logs model group index", "DROP INDEX IF EXISTS ix_usage_logs_group_ts;"),
        // Each usage row named its key by the 64-character hash, in the row and in the key+time index; a small id from a
        // table of hashes makes the row and that index narrower (measured on SQLite: 3.46 -> 3.04 us of CPU per row).
        // Existing rows keep their key: every hash gets an id, rows get their hash's id, then the hash column goes.
        new(4, "usage rows name their key by a small id", """
            CREATE TABLE usage_keys (id INTEGER PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE);
            INSERT INTO usage_keys (key_hash) SELECT DISTINCT key_hash FROM usage_logs WHERE key_hash IS NOT NULL ORDER BY key_hash;
            ALTER TABLE usage_logs ADD COLUMN key_id INTEGER NULL;
            UPDATE usage_logs SET key_id = (SELECT k.id FROM usage_keys k WHERE k.key_hash = usage_logs.key_hash) WHERE key_hash IS NOT NULL;
            DROP INDEX IF EXISTS ix_usage_logs_key_ts;
            ALTER TABLE usage_logs DROP COLUMN key_hash;
            CREATE INDEX ix_usage_logs_key_ts ON usage_logs (key_id, ts_ms);
            """),
        // A batch retried after its commit went through but its acknowledgement was lost wrote its rows twice: a row is now
        // unique by its request id and time, and inserts skip a row already stored. The time is part of the key because a
        // client may send its own request id (x-litellm-call-id) again: each such call is billed. It also makes the index
        // an append at its right edge (times grow) where an index on random ids alone costs a random page per row
        // (measured: docs/benchmarks.md), and it replaces the time index, which it serves as well. Existing duplicates keep
        // their first row (the key spend they added twice cannot be told apart from later budget resets, and stays).
        new(5, "usage rows unique by time and request id; cache creation tokens", """
            ALTER TABLE usage_logs ADD COLUMN cache_creation_tokens INTEGER NOT NULL DEFAULT 0;
            DELETE FROM usage_logs WHERE id NOT IN (SELECT MIN(id) FROM usage_logs GROUP BY ts_ms, request_id);
            CREATE UNIQUE INDEX ux_usage_logs_ts_request ON usage_logs (ts_ms, request_id);
            DROP INDEX IF EXISTS ix_usage_logs_ts;
            """),
        // The dashboard's charts and tables read usage summed per minute (the last two days are kept), per hour and per day, per key,
        // model group and deployment, never the raw rows, whose grouping grows with the log (docs/benchmarks.md). The
        // usage writer adds each batch's stored rows in the batch's transaction; existing rows are summed here once.
        // No key is key id 0 and no deployment is '' (a primary key column cannot be null).
        new(6, "usage rollups per minute, hour and day", """
            CREATE TABLE usage_rollup_minute (
                bucket_ms INTEGER NOT NULL,
                key_id INTEGER NOT NULL,
                model_group TEXT NOT NULL,
                deployment_id TEXT NOT NULL,
                requests INTEGER NOT NULL,
                failures INTEGER NOT NULL,
                prompt_tokens INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                cost REAL NOT NULL,
                latency_ms REAL NOT NULL,
                PRIMARY KEY (bucket_ms, key_id, model_group, deployment_id)) WITHOUT ROWID;
            CREATE TABLE usage_rollup_hour (
                bucket_ms INTEGER NOT NULL,
                key_id INTEGER NOT NULL,
                model_group TEXT NOT NULL,
                deployment_id TEXT NOT NULL,
                requests INTEGER NOT NULL,
                failures INTEGER NOT NULL,
                prompt_tokens INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                cost REAL NOT NULL,
                latency_ms REAL NOT NULL,
                PRIMARY KEY (bucket_ms, key_id, model_group, deployment_id)) WITHOUT ROWID;
            CREATE TABLE usage_rollup_day (
                bucket_ms INTEGER NOT NULL,
                key_id INTEGER NOT NULL,
                model_group TEXT NOT NULL,
                deployment_id TEXT NOT NULL,
                requests INTEGER NOT NULL,
                failures INTEGER NOT NULL,
                prompt_tokens INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                cost REAL NOT NULL,
                latency_ms REAL NOT NULL,
                PRIMARY KEY (bucket_ms, key_id, model_group, deployment_id)) WITHOUT ROWID;
            INSERT INTO usage_rollup_minute (bucket_ms, key_id, model_group, deployment_id, requests, failures, prompt_tokens, completion_tokens, cost, latency_ms)
                SELECT (ts_ms / 60000) * 60000, COALESCE(key_id, 0), model_group, COALESCE(deployment_id, ''), COUNT(*),
                    SUM(CASE WHEN http_status >= 400 THEN 1 ELSE 0 END), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost), SUM(latency_ms)
                FROM usage_logs GROUP BY (ts_ms / 60000) * 60000, COALESCE(key_id, 0), model_group, COALESCE(deployment_id, '');
            INSERT INTO usage_rollup_hour (bucket_ms, key_id, model_group, deployment_id, requests, failures, prompt_tokens, completion_tokens, cost, latency_ms)
                SELECT (ts_ms / 3600000) * 3600000, COALESCE(key_id, 0), model_group, COALESCE(deployment_id, ''), COUNT(*),
                    SUM(CASE WHEN http_status >= 400 THEN 1 ELSE 0 END), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost), SUM(latency_ms)
                FROM usage_logs GROUP BY (ts_ms / 3600000) * 3600000, COALESCE(key_id, 0), model_group, COALESCE(deployment_id, '');
            INSERT INTO usage_rollup_day (bucket_ms, key_id, model_group, deployment_id, requests, failures, prompt_tokens, completion_tokens, cost, latency_ms)
                SELECT (ts_ms / 86400000) * 86400000, COALESCE(key_id, 0), model_group, COALESCE(deployment_id, ''), COUNT(*),
                    SUM(CASE WHEN http_status >= 400 THEN 1 ELSE 0 END), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost), SUM(latency_ms)
                FROM usage_logs GROUP BY (ts_ms / 86400000) * 86400000, COALESCE(key_id, 0), model_group, COALESCE(deployment_id, '');
            """),
        // Deployments added by /model/new (store_model_in_db), secret-bearing params encrypted by the caller; one version
        // row that every change bumps, so that instances without Redis notice a change with one cheap read.
        new(7, "model deployments stored in the database", """
            CREATE TABLE model_deployments (
                id TEXT PRIMARY KEY,
                model_name TEXT NOT NULL,
                litellm_params TEXT NOT NULL,
                model_info TEXT NOT NULL,
                created_at_ms INTEGER NOT NULL,
                updated_at_ms INTEGER NOT NULL);
            CREATE TABLE model_deployments_version (id INTEGER PRIMARY KEY, version INTEGER NOT NULL);
            INSERT INTO model_deployments_version (id, version) VALUES (1, 0);
            """),
        // A call answered from the response cache is billed at zero; the row says so (LiteLLM's cache_hit). Existing rows
        // were upstream calls or cache hits that cannot be told apart now: they stay 0.
        new(8, "usage rows mark cache hits", "ALTER TABLE usage_logs ADD COLUMN cache_hit INTEGER NOT NULL DEFAULT 0;"),
    ];

    protected override async Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken)
    {
        // Microsoft.Data.Sqlite's async API runs synchronously: off a socket engine's thread before it starts, so that a
        // long query (the dashboard's over a large table) holds a pool thread, not every connection (architecture decision 16).
        // The caller's code after the read then runs on the pool thread too.
        await Hosting.ThreadPoolHop.Instance;
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override async Task<T> WriteAsync<T>(
        Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        // As for reads (above): SQLite writes are synchronous work.
        await Hosting.ThreadPoolHop.Instance;
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var connection = await GetWriteConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<SqliteConnection> GetWriteConnectionAsync(CancellationToken cancellationToken)
    {
        if (_writeConnection is not null)
        {
            return _writeConnection;
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL lets readers run beside the writer; NORMAL sync is durable across process crashes in WAL mode. The page size
        // only applies to a new file (it is set before the first table): 16 KiB pages took a usage row from 4.1 to 3.8 µs
        // of CPU, measured in isolation (fewer page splits and WAL frames per batch; docs/benchmarks.md).
        await ExecuteAsync(connection, null,
            "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;", cancellationToken);
        _writeConnection = connection;
        return connection;
    }

    protected override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 19 };

    public override async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            if (_writeConnection is not null)
            {
                await _writeConnection.DisposeAsync();
                _writeConnection = null;
            }
        }
        finally
        {
            _writeLock.Release();
        }

        // Pooled connections keep the file open (and its -wal/-shm beside it) until the pool is cleared.
        SqliteConnection.ClearAllPools();
    }
}
