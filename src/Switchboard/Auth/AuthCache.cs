using System.Collections.Concurrent;

namespace Switchboard.Auth;

/// <summary>
/// The auth cache, bounded: when full it evicts the least recently used entries, not everything (a spray of random
/// tokens must not push out the keys in use). Lookups are lock-free and allocation-free (by the hash's hex on the
/// stack); a hit only stamps the entry's last use. Eviction takes the least recently used eighth at once, so its sort
/// is paid once per capacity/8 inserts, and an insert comes after a store read that costs far more anyway.
/// </summary>
internal sealed class AuthCache
{
    private readonly ConcurrentDictionary<string, AuthCacheEntry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AuthCacheEntry>.AlternateLookup<ReadOnlySpan<char>> _byHex;
    private readonly Lock _evicting = new();
    private readonly int _capacity;

    public AuthCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _byHex = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _entries.Count;

    public bool TryGet(ReadOnlySpan<char> hashHex, long now, out AuthCacheEntry entry)
    {
        if (_byHex.TryGetValue(hashHex, out entry!))
        {
            entry.Touch(now);
            return true;
        }

        return false;
    }

    public void Set(string hash, AuthCacheEntry entry)
    {
        if (_entries.Count >= _capacity && !_entries.ContainsKey(hash))
        {
            EvictLeastRecentlyUsed();
        }

        _entries[hash] = entry;
    }

    public void Remove(string hash) => _entries.TryRemove(hash, out _);

    public void Clear() => _entries.Clear();

    private void EvictLeastRecentlyUsed()
    {
        lock (_evicting)
        {
            if (_entries.Count < _capacity)
            {
                return;
            }

            var all = _entries.ToArray();
            var stamps = new long[all.Length];
            for (var i = 0; i < all.Length; i++)
            {
                stamps[i] = all[i].Value.LastUsed;
            }

            Array.Sort(stamps, all);
            var evict = Math.Min(all.Length, all.Length - _capacity + Math.Max(1, _capacity / 8));
            for (var i = 0; i < evict; i++)
            {
                // Only if still the same entry: a concurrent reload of that key must not be thrown away.
                _entries.TryRemove(all[i]);
            }
        }
    }
}
