namespace Switchboard.Cache;

/// <summary>One stored answer: the bytes as the client got them (JSON, or the SSE events of a stream) and when.</summary>
internal sealed record CacheEntry(byte[] Body, string ContentType, DateTimeOffset StoredAt);

/// <summary>
/// Where answers are kept: in this process (<see cref="LocalCacheBackend"/>) or, shared by several instances, in Redis
/// (<see cref="RedisCacheBackend"/>). Implementations must never throw into the call path for
/// a backend outage: a failed read is a miss, a failed write is skipped.
/// </summary>
internal interface ICacheBackend
{
    /// <summary>"local" or "redis", for <c>/cache/ping</c>.</summary>
    string Type { get; }

    ValueTask<CacheEntry?> GetAsync(string key, CancellationToken ct);

    ValueTask SetAsync(string key, CacheEntry entry, TimeSpan ttl, CancellationToken ct);

    /// <summary>Removes the keys; returns how many were there. Throws <see cref="CacheUnavailableException"/> when the backend is away.</summary>
    ValueTask<int> DeleteAsync(IReadOnlyList<string> keys, CancellationToken ct);

    /// <summary>True when the backend answers.</summary>
    ValueTask<bool> PingAsync(CancellationToken ct);
}
