using System.Buffers.Binary;
using System.Text;
using StackExchange.Redis;

namespace Switchboard.Cache;

/// <summary>
/// The shared cache (<c>cache_params.type: redis</c>): every instance on one Redis sees the others' answers. Entries
/// expire by Redis's own TTL. An outage never fails a call: a failed read is a miss, a failed write is skipped, and the
/// connection comes back by itself (<c>abortConnect=false</c>); timeouts are short so a slow Redis costs at most one.
/// Stored value: stored-at (Unix ms, 8 bytes), content-type length (4 bytes), content type (UTF-8), then the answer.
/// </summary>
internal sealed class RedisCacheBackend : ICacheBackend, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private volatile ConnectionMultiplexer? _redis;

    public RedisCacheBackend(ConfigurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.SyncTimeout = 1000;
        options.AsyncTimeout = 1000;
        try
        {
            _redis = ConnectionMultiplexer.Connect(options);
        }
        catch (RedisConnectionException)
        {
            // A Sentinel that names no master yet throws instead of reconnecting later: keep trying in the background,
            // every call a miss until then.
            _ = Task.Run(() => RetryConnectAsync(options));
        }
    }

    /// <summary>The database, or a connection error while the first connection is still being tried.</summary>
    private IDatabase Database =>
        (_redis ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "the cache's Redis is not connected yet", null, CommandStatus.Unknown)).GetDatabase();

    public string Type => "redis";

    public async ValueTask<CacheEntry?> GetAsync(string key, CancellationToken ct)
    {
        try
        {
            var value = await Database.StringGetAsync(key);
            return value.IsNull ? null : Decode((byte[])value!);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            return null;
        }
    }

    public async ValueTask SetAsync(string key, CacheEntry entry, TimeSpan ttl, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            await Database.StringSetAsync(key, Encode(entry), ttl);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Not stored: the next call asks the upstream again.
        }
    }

    public async ValueTask<int> DeleteAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return 0;
        }

        try
        {
            return (int)await Database.KeyDeleteAsync([.. keys.Select(k => (RedisKey)k)]);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Unlike a lookup, a delete cannot be answered as a miss: the caller must know nothing was deleted.
            throw new CacheUnavailableException("The response cache's Redis is unreachable; nothing was deleted. Try again when /cache/ping reports healthy.", e);
        }
    }

    public async ValueTask<bool> PingAsync(CancellationToken ct)
    {
        try
        {
            await Database.PingAsync();
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _redis?.Dispose();
        _stopping.Dispose();
    }

    private async Task RetryConnectAsync(ConfigurationOptions options)
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token);
                var redis = await ConnectionMultiplexer.ConnectAsync(options);
                if (_stopping.IsCancellationRequested)
                {
                    redis.Dispose();
                    return;
                }

                _redis = redis;
                return;
            }
            catch (RedisConnectionException)
            {
                // Not yet: try again.
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    internal static byte[] Encode(CacheEntry entry)
    {
        var type = Encoding.UTF8.GetBytes(entry.ContentType);
        var value = new byte[12 + type.Length + entry.Body.Length];
        BinaryPrimitives.WriteInt64LittleEndian(value, entry.StoredAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(8), type.Length);
        type.CopyTo(value, 12);
        entry.Body.CopyTo(value, 12 + type.Length);
        return value;
    }

    internal static CacheEntry? Decode(byte[] value)
    {
        if (value.Length < 12)
        {
            return null;
        }

        var typeLength = BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(8));
        if (typeLength < 0 || 12 + typeLength > value.Length)
        {
            return null;
        }

        return new CacheEntry(value[(12 + typeLength)..], Encoding.UTF8.GetString(value, 12, typeLength),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(value)));
    }
}
