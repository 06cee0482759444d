namespace Switchboard.Auth;

/// <summary>A found key's result (made once, shared by every call until it expires or is invalidated), or null for unknown.</summary>
internal sealed class AuthCacheEntry(AuthResult? result, long loadedAt, TimeSpan ttl)
{
    private long _lastUsed = loadedAt;

    public AuthResult? Result { get; } = result;
    public long LoadedAt { get; } = loadedAt;
    public TimeSpan Ttl { get; } = ttl;

    /// <summary>The timestamp of the last call this entry answered (its own or through a connection's memo), for LRU eviction.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>Stamps a use; skips the write when nothing changed, so that hot entries do not bounce a cache line per call.</summary>
    public void Touch(long now)
    {
        if (Volatile.Read(ref _lastUsed) < now)
        {
            Volatile.Write(ref _lastUsed, now);
        }
    }
}
