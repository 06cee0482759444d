using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Switchboard.Cluster;

/// <summary>
/// The leases this instance holds in Redis (deployment slots, key parallel slots), renewed while their calls run so that
/// only a crashed instance's leases expire (after <see cref="Ttl"/>).
/// </summary>
internal sealed class LeaseBook(RedisLink link, TimeProvider time, TimeSpan ttl)
{
    private readonly ConcurrentDictionary<long, (RedisKey Set, RedisValue Member)> _held = new();
    private long _next;

    public TimeSpan Ttl { get; } = ttl;

    /// <summary>A new lease: its token and the member that names it in the sorted set.</summary>
    public (long Token, string Member) Next()
    {
        var token = Interlocked.Increment(ref _next);
        return (token, link.Instance + ":" + token.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public long ExpiryMs() => (time.GetUtcNow() + Ttl).ToUnixTimeMilliseconds();

    public void Hold(long token, RedisKey set, string member) => _held[token] = (set, member);

    /// <summary>Forgets a lease; returns its set and member when it was held.</summary>
    public bool TryRelease(long token, out RedisKey set, out RedisValue member)
    {
        if (_held.TryRemove(token, out var lease))
        {
            (set, member) = lease;
            return true;
        }

        set = default;
        member = default;
        return false;
    }

    /// <summary>Pushes every held lease's expiry out by <see cref="Ttl"/>; one script per sorted set.</summary>
    public async Task RenewAsync()
    {
        if (_held.IsEmpty || !link.Connected)
        {
            return;
        }

        var expiry = (RedisValue)ExpiryMs();
        var tasks = new List<Task>();
        foreach (var set in _held.Values.GroupBy(l => l.Set))
        {
            var args = new List<RedisValue> { expiry };
            args.AddRange(set.Select(l => l.Member));
            tasks.Add(link.Database.ScriptEvaluateAsync(ClusterScripts.RenewLeases, [set.Key], [.. args]));
        }

        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            link.MarkDown(e);
        }
    }
}
