using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Switchboard.Storage;

namespace Switchboard.Auth;

/// <summary>
/// Decides who a caller is (design decision 7). Open mode without a master key; otherwise the master key (compared in
/// constant time over SHA-256 hashes) or a virtual key, looked up by hash through a cache that <see cref="Invalidate"/>
/// clears at once when a key is updated, blocked or deleted. Blocked and expired keys authenticate: admission refuses them.
/// </summary>
internal sealed class AuthService
{
    private readonly IGatewayStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuthServiceOptions _options;
    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private volatile MasterKey? _master;
    private long _invalidations;

    public AuthService(string? masterKey, IGatewayStore store, TimeProvider time, ILogger<AuthService> logger, AuthServiceOptions? options = null)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _options = options ?? new AuthServiceOptions();
        SetMasterKey(masterKey);
    }

    /// <summary>True when no master key is set: any token is accepted and admin endpoints are closed.</summary>
    public bool IsOpenMode => _master is null;

    /// <summary>Config reload: a new (or no) master key takes effect for the next call.</summary>
    public void SetMasterKey(string? masterKey) =>
        _master = string.IsNullOrEmpty(masterKey) ? null : new MasterKey(KeyHasher.HashBytes(masterKey), KeyHasher.Hash(masterKey));

    /// <summary>Authenticates a token: a raw key or an <c>Authorization</c> value (<c>Bearer …</c>).</summary>
    public async ValueTask<AuthResult> AuthenticateAsync(string? token, CancellationToken cancellationToken)
    {
        var master = _master;
        if (master is null)
        {
            return AuthResult.Success(Caller.Anonymous);
        }

        token = StripBearer(token);
        if (string.IsNullOrEmpty(token))
        {
            return AuthResult.Failure(401, "Missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.");
        }

        var hashBytes = KeyHasher.HashBytes(token);
        if (CryptographicOperations.FixedTimeEquals(hashBytes, master.HashBytes))
        {
            return AuthResult.Success(new Caller { Kind = CallerKind.Master, KeyHash = master.Hash });
        }

        var hash = Convert.ToHexStringLower(hashBytes);
        var now = _time.GetTimestamp();
        VirtualKeyRecord? record;
        if (_cache.TryGetValue(hash, out var entry) && _time.GetElapsedTime(entry.LoadedAt, now) < entry.Ttl)
        {
            record = entry.Record;
        }
        else
        {
            var invalidationsBefore = Interlocked.Read(ref _invalidations);
            try
            {
                record = await _store.GetKeyByHashAsync(hash, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (entry?.Record is not null)
                {
                    // Serving a key we knew a minute ago beats refusing every caller while the database is away.
                    Log.KeyLookupFailed(_logger, KeyHasher.Mask(token), "using the cached key", e);
                    return AuthResult.Success(ToCaller(entry.Record));
                }

                Log.KeyLookupFailed(_logger, KeyHasher.Mask(token), "refusing the call", e);
                return AuthResult.Failure(503, "The key store is unreachable; try again shortly.");
            }

            if (_cache.Count >= _options.MaxEntries)
            {
                _cache.Clear();
            }

            // A revoke that landed while we read must not be undone by caching what we read before it.
            if (Interlocked.Read(ref _invalidations) == invalidationsBefore)
            {
                _cache[hash] = new CacheEntry(record, now, record is null ? _options.NegativeTtl : _options.PositiveTtl);
            }
        }

        return record is null
            ? AuthResult.Failure(401, $"Invalid API key ({KeyHasher.Mask(token)}).")
            : AuthResult.Success(ToCaller(record));
    }

    /// <summary>
    /// Authenticates an HTTP request: <c>Authorization: Bearer</c> first, then <c>x-api-key</c> (Claude Code may send
    /// both, from ANTHROPIC_AUTH_TOKEN and ANTHROPIC_API_KEY; either may be the real one).
    /// </summary>
    public async ValueTask<AuthResult> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var bearer = StripBearer(request.Headers.Authorization.ToString());
        var apiKey = request.Headers["x-api-key"].ToString();
        var first = await AuthenticateAsync(string.IsNullOrEmpty(bearer) ? apiKey : bearer, cancellationToken);
        if (first.Succeeded || string.IsNullOrEmpty(bearer) || string.IsNullOrEmpty(apiKey) || apiKey == bearer)
        {
            return first;
        }

        var second = await AuthenticateAsync(apiKey, cancellationToken);
        return second.Succeeded ? second : first;
    }

    /// <summary>Forgets a key's cached state; the next call re-reads it. Call after update, block, unblock, regenerate, delete.</summary>
    public void Invalidate(string keyHash)
    {
        Interlocked.Increment(ref _invalidations);
        _cache.TryRemove(keyHash, out _);
    }

    public void InvalidateAll()
    {
        Interlocked.Increment(ref _invalidations);
        _cache.Clear();
    }

    private static Caller ToCaller(VirtualKeyRecord record) => new() { Kind = CallerKind.VirtualKey, KeyHash = record.KeyHash, Key = record };

    private static string? StripBearer(string? value)
    {
        value = value?.Trim();
        return value is not null && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value[7..].Trim() : value;
    }

    private sealed record MasterKey(byte[] HashBytes, string Hash);

    private sealed record CacheEntry(VirtualKeyRecord? Record, long LoadedAt, TimeSpan Ttl);
}
