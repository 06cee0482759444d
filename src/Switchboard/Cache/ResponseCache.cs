namespace Switchboard.Cache;

/// <summary>
/// The response cache (<c>litellm_settings.cache: true</c>): decides per call whether to look up and whether to store,
/// and keeps answers in its backend. Built only when caching is on, so a gateway without it does no cache work.
/// </summary>
internal sealed class ResponseCache(CacheOptions options, ICacheBackend backend, TimeProvider time)
{
    /// <summary>What a cache hit's usage row names as its deployment: no upstream was called.</summary>
    public const string DeploymentId = "cache";

    public CacheOptions Options { get; } = options;

    public ICacheBackend Backend { get; } = backend;

    private long _hits;
    private long _misses;

    /// <summary>Lookups answered from the cache, since start (<c>switchboard_cache_hits</c>).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that found nothing fresh enough, since start (<c>switchboard_cache_misses</c>).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The call as the cache sees it, or null when this call type is not cached.</summary>
    public CacheRequest? Prepare(ReadOnlySpan<byte> body, CallType type, string group, bool stream, string? cacheControl) =>
        Options.Supports(type) ? CacheRequest.Parse(body, type, group, stream, Options.Namespace, cacheControl) : null;

    /// <summary>Whether this call uses the cache at all: always, or under <c>mode: default_off</c> only with <c>use-cache: true</c>.</summary>
    public bool Applies(CacheRequest request) => request.UseCache ?? !Options.DefaultOff;

    /// <summary>The stored answer when the call may be answered from the cache and a fresh enough one is there.</summary>
    public async ValueTask<CacheEntry?> LookupAsync(CacheRequest request, CancellationToken ct)
    {
        if (!Applies(request) || request.NoCache)
        {
            return null;
        }

        var entry = await Backend.GetAsync(request.Key, ct);
        if (entry is not null && request.MaxAge is { } maxAge && time.GetUtcNow() - entry.StoredAt > maxAge)
        {
            entry = null;
        }

        Interlocked.Increment(ref entry is null ? ref _misses : ref _hits);
        return entry;
    }

    /// <summary>Whether the answer of this call is to be stored.</summary>
    public bool Stores(CacheRequest request) => Applies(request) && !request.NoStore;

    public ValueTask StoreAsync(CacheRequest request, byte[] body, string contentType, CancellationToken ct) =>
        Backend.SetAsync(request.Key, new CacheEntry(body, contentType, time.GetUtcNow()), request.Ttl ?? Options.Ttl, ct);
}
