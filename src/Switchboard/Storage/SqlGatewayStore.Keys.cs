using System.Data.Common;

namespace Switchboard.Storage;

internal abstract partial class SqlGatewayStore
{
    private const string KeyColumns =
        "key_hash, key_alias, key_preview, models, max_budget, budget_duration, budget_reset_at_ms, rpm_limit, tpm_limit, " +
        "max_parallel_requests, expires_at_ms, metadata, blocked, spend, created_at_ms, updated_at_ms";

    public async Task InsertKeyAsync(VirtualKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            await WriteAsync(async (connection, transaction, ct) =>
            {
                await using var command = Command(connection, transaction,
                    $"INSERT INTO virtual_keys ({KeyColumns}) VALUES (@key_hash, @key_alias, @key_preview, @models, @max_budget, " +
                    "@budget_duration, @budget_reset_at_ms, @rpm_limit, @tpm_limit, @max_parallel_requests, @expires_at_ms, @metadata, " +
                    "@blocked, @spend, @created_at_ms, @updated_at_ms)");
                AddKeyFields(command, key);
                Add(command, "spend", key.Spend);
                Add(command, "created_at_ms", ToMs(key.CreatedAt));
                return await command.ExecuteNonQueryAsync(ct);
            }, cancellationToken);
        }
        catch (Exception e) when (IsUniqueViolation(e))
        {
            throw new DuplicateKeyException("A key with this hash or alias exists already.", e);
        }
    }

    public Task<VirtualKeyRecord?> GetKeyByHashAsync(string keyHash, CancellationToken cancellationToken) =>
        GetKeyAsync("key_hash", keyHash, cancellationToken);

    public Task<VirtualKeyRecord?> GetKeyByAliasAsync(string keyAlias, CancellationToken cancellationToken) =>
        GetKeyAsync("key_alias", keyAlias, cancellationToken);

    private async Task<VirtualKeyRecord?> GetKeyAsync(string column, string value, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {KeyColumns} FROM virtual_keys WHERE {column} = @value");
        Add(command, "value", value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadKey(reader) : null;
    }

    public async Task<bool> UpdateKeyAsync(VirtualKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            return await WriteAsync(async (connection, transaction, ct) =>
            {
                await using var command = Command(connection, transaction,
                    "UPDATE virtual_keys SET key_alias = @key_alias, key_preview = @key_preview, models = @models, " +
                    "max_budget = @max_budget, budget_duration = @budget_duration, budget_reset_at_ms = @budget_reset_at_ms, " +
                    "rpm_limit = @rpm_limit, tpm_limit = @tpm_limit, max_parallel_requests = @max_parallel_requests, " +
                    "expires_at_ms = @expires_at_ms, metadata = @metadata, blocked = @blocked, updated_at_ms = @updated_at_ms " +
                    "WHERE key_hash = @key_hash");
                AddKeyFields(command, key);
                return await command.ExecuteNonQueryAsync(ct) > 0;
            }, cancellationToken);
        }
        catch (Exception e) when (IsUniqueViolation(e))
        {
            throw new DuplicateKeyException("Another key has this alias.", e);
        }
    }

    public Task<IReadOnlyList<string>> DeleteKeysAsync(
        IReadOnlyCollection<string> keyHashes, IReadOnlyCollection<string> keyAliases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyHashes);
        ArgumentNullException.ThrowIfNull(keyAliases);
        return WriteAsync<IReadOnlyList<string>>(async (connection, transaction, ct) =>
        {
            var deleted = new List<string>();
            foreach (var (column, values) in new[] { ("key_hash", keyHashes), ("key_alias", keyAliases) })
            {
                foreach (var value in values)
                {
                    string? hash = null;
                    await using (var find = Command(connection, transaction, $"SELECT key_hash FROM virtual_keys WHERE {column} = @value"))
                    {
                        Add(find, "value", value);
                        hash = await find.ExecuteScalarAsync(ct) as string;
                    }

                    if (hash is null)
                    {
                        continue;
                    }

                    await using var delete = Command(connection, transaction, "DELETE FROM virtual_keys WHERE key_hash = @hash");
                    Add(delete, "hash", hash);
                    await delete.ExecuteNonQueryAsync(ct);
                    deleted.Add(hash);
                }
            }

            return deleted;
        }, cancellationToken);
    }

    public async Task<Page<VirtualKeyRecord>> ListKeysAsync(int page, int pageSize, CancellationToken cancellationToken)
    {
        page = Math.Max(page, 1);
        pageSize = Math.Clamp(pageSize, 1, 1000);
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        long total;
        await using (var count = Command(connection, null, "SELECT COUNT(*) FROM virtual_keys"))
        {
            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var command = Command(connection, null,
            $"SELECT {KeyColumns} FROM virtual_keys ORDER BY created_at_ms, key_hash LIMIT @limit OFFSET @offset");
        Add(command, "limit", (long)pageSize);
        Add(command, "offset", (long)(page - 1) * pageSize);
        var keys = new List<VirtualKeyRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(ReadKey(reader));
        }

        return new Page<VirtualKeyRecord>(keys, total, page, pageSize);
    }

    public Task<bool> SetBlockedAsync(string keyHash, bool blocked, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction, ct) =>
        {
            await using var command = Command(connection, transaction,
                "UPDATE virtual_keys SET blocked = @blocked, updated_at_ms = @now WHERE key_hash = @hash");
            Add(command, "blocked", Bool(blocked));
            Add(command, "now", ToMs(now));
            Add(command, "hash", keyHash);
            return await command.ExecuteNonQueryAsync(ct) > 0;
        }, cancellationToken);

    public Task<bool> ReplaceKeyHashAsync(
        string oldHash, string newHash, string newPreview, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction, ct) =>
        {
            await using var command = Command(connection, transaction,
                "UPDATE virtual_keys SET key_hash = @new_hash, key_preview = @preview, updated_at_ms = @now WHERE key_hash = @old_hash");
            Add(command, "new_hash", newHash);
            Add(command, "preview", newPreview);
            Add(command, "now", ToMs(now));
            Add(command, "old_hash", oldHash);
            return await command.ExecuteNonQueryAsync(ct) > 0;
        }, cancellationToken);

    public Task AddSpendAsync(string keyHash, double amount, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction, ct) =>
        {
            await AddSpendAsync(connection, transaction, keyHash, amount, ct);
            return true;
        }, cancellationToken);

    private static async Task AddSpendAsync(DbConnection connection, DbTransaction transaction, string keyHash, double amount, CancellationToken ct)
    {
        await using var command = Command(connection, transaction, "UPDATE virtual_keys SET spend = spend + @amount WHERE key_hash = @hash");
        Add(command, "amount", amount);
        Add(command, "hash", keyHash);
        await command.ExecuteNonQueryAsync(ct);
    }

    public Task ResetSpendAsync(string keyHash, DateTimeOffset? nextResetAt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction, ct) =>
        {
            await using var command = Command(connection, transaction,
                "UPDATE virtual_keys SET spend = @zero, budget_reset_at_ms = @reset WHERE key_hash = @hash");
            Add(command, "zero", 0.0);
            Add(command, "reset", ToMs(nextResetAt));
            Add(command, "hash", keyHash);
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);

    private static void AddKeyFields(DbCommand command, VirtualKeyRecord key)
    {
        Add(command, "key_hash", key.KeyHash);
        Add(command, "key_alias", key.KeyAlias);
        Add(command, "key_preview", key.KeyPreview);
        Add(command, "models", string.Join('\n', key.Models));
        Add(command, "max_budget", key.MaxBudget);
        Add(command, "budget_duration", key.BudgetDuration);
        Add(command, "budget_reset_at_ms", ToMs(key.BudgetResetAt));
        Add(command, "rpm_limit", key.RpmLimit);
        Add(command, "tpm_limit", key.TpmLimit);
        Add(command, "max_parallel_requests", key.MaxParallelRequests);
        Add(command, "expires_at_ms", ToMs(key.ExpiresAt));
        Add(command, "metadata", key.MetadataJson);
        Add(command, "blocked", Bool(key.Blocked));
        Add(command, "updated_at_ms", ToMs(key.UpdatedAt));
    }

    private static VirtualKeyRecord ReadKey(DbDataReader reader)
    {
        var models = GetString(reader, 3);
        return new VirtualKeyRecord
        {
            KeyHash = reader.GetString(0),
            KeyAlias = GetString(reader, 1),
            KeyPreview = reader.GetString(2),
            Models = string.IsNullOrEmpty(models) ? [] : models.Split('\n'),
            MaxBudget = GetNullableDouble(reader, 4),
            BudgetDuration = GetString(reader, 5),
            BudgetResetAt = GetNullableLong(reader, 6) is { } reset ? FromMs(reset) : null,
            RpmLimit = (int?)GetNullableLong(reader, 7),
            TpmLimit = (int?)GetNullableLong(reader, 8),
            MaxParallelRequests = (int?)GetNullableLong(reader, 9),
            ExpiresAt = GetNullableLong(reader, 10) is { } expires ? FromMs(expires) : null,
            MetadataJson = GetString(reader, 11),
            Blocked = GetLong(reader, 12) != 0,
            Spend = GetDouble(reader, 13),
            CreatedAt = FromMs(GetLong(reader, 14)),
            UpdatedAt = FromMs(GetLong(reader, 15)),
        };
    }
}
