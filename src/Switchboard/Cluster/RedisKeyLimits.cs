using System.Globalization;
using StackExchange.Redis;
using Switchboard.Admission;
using Switchboard.Storage;

namespace Switchboard.Cluster;

/// <summary>
/// A virtual key's rpm/tpm windows, parallel slots and budget spend in Redis, checked and counted by one script per call
/// (architecture decision 6). Only keys with such a limit ask Redis; while Redis is away admission is local.
/// </summary>
internal sealed class RedisKeyLimits(RedisLink link, LeaseBook leases, OutageJournal journal, TimeProvider time) : ISharedKeyLimits
{
    /// <summary>A key with a limit to share; while Redis is away its calls are admitted locally and written in the <see cref="OutageJournal"/>.</summary>
    public bool Shares(VirtualKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.RpmLimit is not null || key.TpmLimit is not null || key.MaxParallelRequests is not null || key.MaxBudget is not null;
    }

    public async ValueTask<SharedKeyVerdict> TryAdmitAsync(
        VirtualKeyRecord key, double localSpend, long period, double minimumCost, long estimatedTokens, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!link.Connected)
        {
            return Alone(key, localSpend, period);
        }

        var (token, member) = leases.Next();
        var hash = key.KeyHash;
        RedisResult[] result;
        try
        {
            result = (RedisResult[])(await link.Database.ScriptEvaluateAsync(ClusterScripts.AdmitKey,
                [Key(hash, "rpm"), Key(hash, "parallel"), Key(hash, "tokens"), SpendKey(hash, period)],
                [time.GetUtcNow().ToUnixTimeMilliseconds(), key.RpmLimit ?? 0, key.MaxParallelRequests ?? 0, member, leases.ExpiryMs(),
                    key.TpmLimit ?? 0, Math.Max(estimatedTokens, 0), key.MaxBudget ?? -1, Math.Max(minimumCost, 0), Money(localSpend)]).WaitAsync(ct))!;
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            link.MarkDown(e);
            return Alone(key, localSpend, period);
        }

        var code = (int)result[0];
        var wait = TimeSpan.FromMilliseconds(Math.Max((long)result[1], 0));
        double? spend = double.TryParse((string?)result[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : null;
        if (code != 0)
        {
            var refusal = code switch
            {
                1 => AdmissionRefusal.BudgetExceeded,
                2 => AdmissionRefusal.RpmLimit,
                3 => AdmissionRefusal.TpmLimit,
                _ => AdmissionRefusal.ParallelLimit,
            };
            return new SharedKeyVerdict(refusal, wait, 0, spend);
        }

        if (key.MaxParallelRequests is null)
        {
            return new SharedKeyVerdict(null, TimeSpan.Zero, 0, spend);
        }

        leases.Hold(token, Key(hash, "parallel"), member);
        return new SharedKeyVerdict(null, TimeSpan.Zero, token, spend);
    }

    public void Release(string keyHash, long slot)
    {
        if (journal.TryRelease(slot) || !leases.TryRelease(slot, out var set, out var member))
        {
            return;
        }

        if (!link.Connected)
        {
            journal.Released(set, member);
            return;
        }

        try
        {
            link.Database.SortedSetRemove(set, member, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            link.MarkDown(e);
            journal.Released(set, member);
        }
    }

    public void Record(string keyHash, long period, long tokens, double cost, bool trackTokens)
    {
        if (cost <= 0 && (!trackTokens || tokens <= 0))
        {
            return;
        }

        if (!link.Connected)
        {
            journal.KeyRecord(keyHash, period, tokens, cost, trackTokens);
            return;
        }

        try
        {
            var db = link.Database;
            if (trackTokens && tokens > 0)
            {
                var (_, member) = leases.Next();
                var set = Key(keyHash, "tokens");
                db.SortedSetAdd(set, member + ":" + tokens.ToString(CultureInfo.InvariantCulture), time.GetUtcNow().ToUnixTimeMilliseconds(),
                    CommandFlags.FireAndForget);
                db.KeyExpire(set, TimeSpan.FromSeconds(61), CommandFlags.FireAndForget);
            }

            if (cost > 0)
            {
                db.StringIncrement(SpendKey(keyHash, period), cost, CommandFlags.FireAndForget);
            }
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            link.MarkDown(e);
            journal.KeyRecord(keyHash, period, tokens, cost, trackTokens);
        }
    }

    /// <summary>Redis is away: the call is admitted by this instance's limits alone, and journalled for the merge.</summary>
    private SharedKeyVerdict Alone(VirtualKeyRecord key, double localSpend, long period) =>
        new(null, TimeSpan.Zero, journal.AdmitKey(key.KeyHash, key.RpmLimit is not null, key.MaxParallelRequests is not null, localSpend, period), null);

    private static RedisKey Key(string hash, string what) => ClusterKeys.Key(hash, what);

    private static RedisKey SpendKey(string hash, long period) => ClusterKeys.KeySpend(hash, period);

    private static string Money(double usd) => usd.ToString("R", CultureInfo.InvariantCulture);
}
