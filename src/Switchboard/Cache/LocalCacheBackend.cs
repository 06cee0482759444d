using System.Collections.Concurrent;

namespace Switchboard.Cache;

/// <summary>
/// The in-process cache (<c>cache_params.type: local</c>): entries expire at their TTL by the gateway's clock; at
/// <c>max_size_in_memory</c> entries the expired ones go first, then the oldest tenth.
/// </summary>
internal sealed class LocalCacheBackend(TimeProvider time, int maxEntries) : ICacheBackend
{
    private readonly ConcurrentDictionary<string, (CacheEntry Entry, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();

    public string Type => "local";

    public int Count => _entries.Count;

    public ValueTask<CacheEntry?> GetAsync(string key, CancellationToken ct)
    {
        if (!_entries.TryGetValue(key, out var found))
        {
            return ValueTask.FromResult<CacheEntry?>(null);
        }

        if (found.Expires <= time.GetUtcNow())
        {
            _entries.TryRemove(new KeyValuePair<string, (CacheEntry, DateTimeOffset)>(key, found));
            return ValueTask.FromResult<CacheEntry?>(null);
        }

        return ValueTask.FromResult<CacheEntry?>(found.Entry);
    }

    public ValueTask SetAsync(string key, CacheEntry entry, TimeSpan ttl, CancellationToken ct)
    {
        if (_entries.Count >= maxEntries && !_entries.ContainsKey(key))
        {
            Evict();
        }

        _entries[key] = (entry, time.GetUtcNow() + ttl);
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> DeleteAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return ValueTask.FromResult(keys.Count(k => _entries.TryRemove(k, out _)));
    }

    public ValueTask<bool> PingAsync(CancellationToken ct) => ValueTask.FromResult(true);

    private void Evict()
    {
        lock (_evicting)
        {
            if (_entries.Count < maxEntries)
            {
                return;
            }

            var now = time.GetUtcNow();
            foreach (var (key, value) in _entries)
            {
                if (value.Expires <= now)
                {
                    _entries.TryRemove(key, out _);
                }
            }

            var excess = _entries.Count - maxEntries + Math.Max(1, maxEntries / 10);
            if (excess <= 0)
            {
                return;
            }

            foreach (var (key, _) in _entries.OrderBy(e => e.Value.Entry.StoredAt).Take(excess).ToList())
            {
                _entries.TryRemove(key, out _);
            }
        }
    }
}
