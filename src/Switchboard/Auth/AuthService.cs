using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections.Features;
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
    private readonly AuthCache _known;
    private readonly AuthCache _unknown;
    private static readonly AuthResult OpenResult = AuthResult.Success(Caller.Anonymous);
    private static readonly AuthResult MissingKey = new()
    {
        StatusCode = 401,
        Error = "Missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
        KeyMissing = true,
    };
    private static readonly object MemoKey = new();
    private volatile MasterKey? _master;
    private long _invalidations;
    private long _tokensHashed;

    public AuthService(string? masterKey, IGatewayStore store, TimeProvider time, ILogger<AuthService> logger, AuthServiceOptions? options = null)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _options = options ?? new AuthServiceOptions();
        _known = new AuthCache(_options.MaxEntries);
        _unknown = new AuthCache(_options.MaxUnknownEntries);
        SetMasterKey(masterKey);
    }

    /// <summary>The other instances, told of every invalidation (architecture decision 6).</summary>
    internal IAuthPeers Peers { get; set; } = LocalAuthPeers.Instance;

    /// <summary>True when no master key is set: any token is accepted and admin endpoints are closed.</summary>
    public bool IsOpenMode => _master is null;

    /// <summary>Tokens hashed so far (a call answered from its connection's memo hashes none).</summary>
    public long TokensHashed => Interlocked.Read(ref _tokensHashed);

    /// <summary>Config reload: a new (or no) master key takes effect for the next call.</summary>
    public void SetMasterKey(string? masterKey)
    {
        _master = string.IsNullOrEmpty(masterKey) ? null : new MasterKey(KeyHasher.HashBytes(masterKey), KeyHasher.Hash(masterKey));
        Interlocked.Increment(ref _invalidations);
    }

    /// <summary>Authenticates a token: a raw key or an <c>Authorization</c> value (<c>Bearer …</c>).</summary>
    public ValueTask<AuthResult> AuthenticateAsync(string? token, CancellationToken cancellationToken) =>
        Authenticate(StripBearer(token), cancellationToken, out _);

    /// <param name="memo">Whether the result may be remembered for the connection, and the cache entry it came from
    /// (null for the master key); <c>(false, null)</c> when it was read from the store or refused.</param>
    private ValueTask<AuthResult> Authenticate(ReadOnlySpan<char> token, CancellationToken cancellationToken, out (bool Ok, AuthCacheEntry? Entry) memo)
    {
        memo = default;
        var master = _master;
        if (master is null)
        {
            return new(OpenResult);
        }

        if (token.IsEmpty)
        {
            return new(MissingKey);
        }

        // The token read in place, hashed and hexed on the stack, the cache probed by span: a known key costs no
        // allocation per call. The cache is keyed by the hash, never by the raw token: no key is held longer than the
        // connection that sent it (whose memo, below, keeps the header value Kestrel keeps for it anyway).
        Span<byte> hashBytes = stackalloc byte[KeyHasher.HashSize];
        KeyHasher.HashBytes(token, hashBytes);
        Interlocked.Increment(ref _tokensHashed);
        if (CryptographicOperations.FixedTimeEquals(hashBytes, master.HashBytes))
        {
            memo = (true, null);
            return new(master.Result);
        }

        Span<char> hex = stackalloc char[KeyHasher.HashSize * 2];
        Convert.TryToHexStringLower(hashBytes, hex, out _);
        var now = _time.GetTimestamp();
        // Known keys first (the hot path), then the separately bounded unknown ones.
        if (_known.TryGet(hex, now, out var entry) && _time.GetElapsedTime(entry.LoadedAt, now) < entry.Ttl)
        {
            memo = (true, entry);
            return new(entry.Result!);
        }

        if (_unknown.TryGet(hex, now, out var unknown) && _time.GetElapsedTime(unknown.LoadedAt, now) < unknown.Ttl)
        {
            return new(AuthResult.Failure(401, $"Invalid API key ({KeyHasher.Mask(token)})."));
        }

        return LoadAsync(new string(hex), KeyHasher.Mask(token), entry, now, cancellationToken);
    }

    private async ValueTask<AuthResult> LoadAsync(string hash, string masked, AuthCacheEntry? stale, long now, CancellationToken cancellationToken)
    {
        VirtualKeyRecord? record;
        var invalidationsBefore = Interlocked.Read(ref _invalidations);
        try
        {
            record = await _store.GetKeyByHashAsync(hash, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (stale?.Result is { } known)
            {
                // Serving a key we knew a minute ago beats refusing every caller while the database is away.
                Log.KeyLookupFailed(_logger, masked, "using the cached key", e);
                return known;
            }

            Log.KeyLookupFailed(_logger, masked, "refusing the call", e);
            return AuthResult.Failure(503, "The key store is unreachable; try again shortly.");
        }

        var result = record is null ? null : AuthResult.Success(ToCaller(record));

        // A revoke that landed while we read must not be undone by caching what we read before it.
        if (Interlocked.Read(ref _invalidations) == invalidationsBefore)
        {
            if (result is null)
            {
                _unknown.Set(hash, new AuthCacheEntry(null, now, _options.NegativeTtl));
            }
            else
            {
                _known.Set(hash, new AuthCacheEntry(result, now, _options.PositiveTtl));
                _unknown.Remove(hash);
            }
        }

        return result ?? AuthResult.Failure(401, $"Invalid API key ({masked}).");
    }

    /// <summary>
    /// Authenticates an HTTP request: <c>Authorization: Bearer</c> first, then <c>x-api-key</c> (Claude Code may send
    /// both, from ANTHROPIC_AUTH_TOKEN and ANTHROPIC_API_KEY; either may be the real one), <c>x-goog-api-key</c> or
    /// <c>?key=</c> (Gemini clients).
    /// </summary>
    /// <remarks>
    /// A keep-alive connection (every SDK keeps one) sends the same key call after call, so the last accepted header
    /// values and their result are remembered on the connection and a call that repeats them is not hashed again
    /// (measured: the SHA-256 and cache probe are ~0.5 µs a call). The memo holds only what the connection itself sent
    /// and Kestrel already keeps for it, is compared in constant time (a proxy in front may multiplex several callers
    /// onto one connection), and is dropped by any invalidation, a master key change, or its cache entry's expiry.
    /// </remarks>
    public ValueTask<AuthResult> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = request.Headers.Authorization.ToString();
        var apiKey = ApiKeyOf(request);
        if (_master is null)
        {
            return new(OpenResult);
        }

        var items = request.HttpContext.Features.Get<IConnectionItemsFeature>()?.Items;
        var invalidations = Interlocked.Read(ref _invalidations);
        if (items is not null && items.TryGetValue(MemoKey, out var value) && value is ConnectionMemo memo &&
            memo.Invalidations == invalidations && MemoEntryLive(memo.Entry) &&
            SameSecret(memo.Authorization, authorization) && SameSecret(memo.ApiKey, apiKey))
        {
            return new(memo.Result);
        }

        var bearer = StripBearer(authorization);
        var first = Authenticate(bearer.IsEmpty ? StripBearer(apiKey) : bearer, cancellationToken, out var memoizable);
        if (!bearer.IsEmpty && apiKey.Length != 0 && !bearer.SequenceEqual(apiKey))
        {
            return OrApiKeyAsync(first, apiKey, cancellationToken);
        }

        if (items is not null && memoizable.Ok && first.IsCompletedSuccessfully)
        {
            items[MemoKey] = new ConnectionMemo(authorization, apiKey, first.Result, invalidations, memoizable.Entry);
        }

        return first;
    }

    /// <summary>
    /// The key sent beside (or instead of) the bearer: <c>x-api-key</c> (Anthropic), else <c>x-goog-api-key</c> (Gemini),
    /// else the <c>key</c> query parameter Gemini's REST API also takes, read only when no header carries a key.
    /// </summary>
    private static string ApiKeyOf(HttpRequest request)
    {
        var headers = request.Headers;
        if (headers["x-api-key"].ToString() is { Length: > 0 } anthropic)
        {
            return anthropic;
        }

        if (headers["x-goog-api-key"].ToString() is { Length: > 0 } google)
        {
            return google;
        }

        return headers.Authorization.Count == 0 && request.QueryString.HasValue && request.Query["key"].ToString() is { Length: > 0 } query ? query : "";
    }

    /// <summary>A memo's cache entry is still valid; a use through the memo counts as a use of the entry (for LRU eviction).</summary>
    private bool MemoEntryLive(AuthCacheEntry? entry)
    {
        if (entry is null)
        {
            return true;
        }

        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(entry.LoadedAt, now) >= entry.Ttl)
        {
            return false;
        }

        entry.Touch(now);
        return true;
    }

    /// <summary>Header values equal, in time that depends only on their lengths (the same instance when Kestrel reused it).</summary>
    private static bool SameSecret(string remembered, string sent) =>
        ReferenceEquals(remembered, sent) ||
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(remembered.AsSpan()), MemoryMarshal.AsBytes(sent.AsSpan()));

    /// <summary>The bearer's result if it succeeded, else the <c>x-api-key</c>'s if that one does, else the bearer's.</summary>
    private async ValueTask<AuthResult> OrApiKeyAsync(ValueTask<AuthResult> first, string apiKey, CancellationToken cancellationToken)
    {
        var result = await first;
        if (result.Succeeded)
        {
            return result;
        }

        var second = await Authenticate(StripBearer(apiKey), cancellationToken, out _);
        return second.Succeeded ? second : result;
    }

    /// <summary>Forgets a key's cached state; the next call re-reads it. Call after update, block, unblock, regenerate, delete.</summary>
    public void Invalidate(string keyHash)
    {
        InvalidateHere(keyHash);
        Peers.KeyChanged(keyHash);
    }

    public void InvalidateAll()
    {
        InvalidateHere(null);
        Peers.KeyChanged(null);
    }

    /// <summary>An invalidation announced by another instance (or made here): forgets the key (null: every key) on this one only.</summary>
    internal void InvalidateHere(string? keyHash)
    {
        Interlocked.Increment(ref _invalidations);
        if (keyHash is null)
        {
            _known.Clear();
            _unknown.Clear();
            return;
        }

        _known.Remove(keyHash);
        _unknown.Remove(keyHash);
    }

    private static Caller ToCaller(VirtualKeyRecord record) => new() { Kind = CallerKind.VirtualKey, KeyHash = record.KeyHash, Key = record };

    private static ReadOnlySpan<char> StripBearer(string? value)
    {
        var span = value.AsSpan().Trim();
        return span.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? span[7..].Trim() : span;
    }

    private sealed record MasterKey(byte[] HashBytes, string Hash)
    {
        public AuthResult Result { get; } = AuthResult.Success(new Caller { Kind = CallerKind.Master, KeyHash = Hash });
    }

    /// <summary>A connection's last accepted header values and their result, valid while nothing was invalidated.</summary>
    private sealed record ConnectionMemo(string Authorization, string ApiKey, AuthResult Result, long Invalidations, AuthCacheEntry? Entry)
    {
        // The header values are the caller's secrets: never printed.
        public override string ToString() => $"ConnectionMemo {{ Invalidations = {Invalidations} }}";
    }
}
