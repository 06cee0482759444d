using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Auth;
using Switchboard.Storage;
using Switchboard.Tests.Storage;

namespace Switchboard.Tests.Auth;

public sealed class AuthServiceTests : IAsyncLifetime
{
    private const string Master = "sk-master-0123456789";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));
    private TempSqliteStore _temp = null!;
    private FlakyGatewayStore _store = null!;

    public async Task InitializeAsync()
    {
        _temp = await TempSqliteStore.CreateAsync();
        _store = new FlakyGatewayStore(_temp.Store);
    }

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    private AuthService Service(string? master = Master) => new(master, _store, _time, NullLogger<AuthService>.Instance);

    private async Task<string> AddKeyAsync(string? alias = "team-a")
    {
        var key = VirtualKeyGenerator.New();
        await _store.InsertKeyAsync(new VirtualKeyRecord
        {
            KeyHash = KeyHasher.Hash(key),
            KeyAlias = alias,
            KeyPreview = KeyHasher.Mask(key),
            RpmLimit = 7,
            Models = ["glm-pool"],
        }, CancellationToken.None);
        return key;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("anything")]
    public async Task AuthenticateAsync_OpenMode_AcceptsAnyTokenAsAnonymous(string? token)
    {
        var result = await Service(master: null).AuthenticateAsync(token, CancellationToken.None);
        Assert.Same(Caller.Anonymous, result.Caller);
    }

    [Fact]
    public async Task AuthenticateAsync_MasterKeyWithBearer_IsMaster()
    {
        var result = await Service().AuthenticateAsync("Bearer " + Master, CancellationToken.None);
        Assert.Equal((CallerKind.Master, KeyHasher.Hash(Master)), (result.Caller!.Kind, result.Caller.KeyHash));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer ")]
    [InlineData("sk-master-012345678")]
    public async Task AuthenticateAsync_MissingOrWrongKey_Is401WithoutEchoingIt(string? token)
    {
        var result = await Service().AuthenticateAsync(token, CancellationToken.None);
        Assert.Equal((false, 401), (result.Succeeded, result.StatusCode));
        Assert.DoesNotContain("master-012345678", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_VirtualKey_ReturnsCallerWithLimits()
    {
        var key = await AddKeyAsync();
        var caller = (await Service().AuthenticateAsync(key, CancellationToken.None)).Caller!;
        Assert.Equal((CallerKind.VirtualKey, KeyHasher.Hash(key), "team-a", 7), (caller.Kind, caller.KeyHash, caller.KeyAlias, caller.RpmLimit));
        Assert.Equal(["glm-pool"], caller.AllowedModels);
    }

    [Fact]
    public async Task AuthenticateAsync_AfterAFloodOfRandomTokens_ValidKeyStillServedFromTheCache()
    {
        var key = await AddKeyAsync();
        _store.OnlyKnownHashes = new HashSet<string> { KeyHasher.Hash(key) };
        var auth = Service();
        Assert.True((await auth.AuthenticateAsync(key, CancellationToken.None)).Succeeded);
        var readsBefore = _store.KeyReads;

        for (var i = 0; i < 100_000; i++)
        {
            _time.Advance(TimeSpan.FromTicks(1));
            Assert.False((await auth.AuthenticateAsync("sk-random-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None)).Succeeded);
        }

        var reads = _store.KeyReads;
        Assert.Equal(readsBefore + 100_000, reads);
        Assert.True((await auth.AuthenticateAsync(key, CancellationToken.None)).Succeeded);
        Assert.Equal(reads, _store.KeyReads);
    }

    [Fact]
    public async Task AuthenticateAsync_MoreKnownKeysThanTheCache_EvictsTheLeastRecentlyUsed()
    {
        var keys = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            keys.Add(await AddKeyAsync("k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var auth = new AuthService(Master, _store, _time, NullLogger<AuthService>.Instance, new AuthServiceOptions { MaxEntries = 4 });
        foreach (var key in keys.Take(4))
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await auth.AuthenticateAsync(key, CancellationToken.None);
        }

        // Key 0 is used again, so key 1 is now the least recently used: the fifth key pushes it out, not key 0.
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await auth.AuthenticateAsync(keys[0], CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await auth.AuthenticateAsync(keys[4], CancellationToken.None);
        var reads = _store.KeyReads;

        await auth.AuthenticateAsync(keys[0], CancellationToken.None);
        await auth.AuthenticateAsync(keys[4], CancellationToken.None);
        Assert.Equal(reads, _store.KeyReads);
        await auth.AuthenticateAsync(keys[1], CancellationToken.None);
        Assert.Equal(reads + 1, _store.KeyReads);
    }

    [Fact]
    public async Task Invalidate_AfterRevoke_NextCallIsRefusedAtOnce()
    {
        var key = await AddKeyAsync();
        var auth = Service();
        Assert.True((await auth.AuthenticateAsync(key, CancellationToken.None)).Succeeded);

        await _store.DeleteKeysAsync([KeyHasher.Hash(key)], [], CancellationToken.None);
        Assert.True((await auth.AuthenticateAsync(key, CancellationToken.None)).Succeeded); // still cached: no read per call
        auth.Invalidate(KeyHasher.Hash(key));
        Assert.Equal(401, (await auth.AuthenticateAsync(key, CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task AuthenticateAsync_UnknownKey_NegativeResultCachedBriefly()
    {
        var auth = Service();
        var key = VirtualKeyGenerator.New();
        Assert.Equal(401, (await auth.AuthenticateAsync(key, CancellationToken.None)).StatusCode);
        await _store.InsertKeyAsync(new VirtualKeyRecord { KeyHash = KeyHasher.Hash(key), KeyPreview = "p" }, CancellationToken.None);
        Assert.Equal(401, (await auth.AuthenticateAsync(key, CancellationToken.None)).StatusCode);
        _time.Advance(new AuthServiceOptions().NegativeTtl);
        Assert.True((await auth.AuthenticateAsync(key, CancellationToken.None)).Succeeded);
    }

    [Fact]
    public async Task AuthenticateAsync_AfterPositiveTtl_RereadsTheStore()
    {
        var key = await AddKeyAsync();
        var auth = Service();
        await auth.AuthenticateAsync(key, CancellationToken.None);
        await _store.SetBlockedAsync(KeyHasher.Hash(key), true, _time.GetUtcNow(), CancellationToken.None);
        Assert.False((await auth.AuthenticateAsync(key, CancellationToken.None)).Caller!.Blocked);
        _time.Advance(new AuthServiceOptions().PositiveTtl);
        Assert.True((await auth.AuthenticateAsync(key, CancellationToken.None)).Caller!.Blocked);
    }

    [Fact]
    public async Task AuthenticateAsync_StoreDown_ServesStaleKnownKeyButRefusesUnknownWith503()
    {
        var key = await AddKeyAsync();
        var auth = Service();
        await auth.AuthenticateAsync(key, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));
        _store.FailingReads = true;
        Assert.True((await auth.AuthenticateAsync(key, CancellationToken.None)).Succeeded);
        Assert.Equal(503, (await auth.AuthenticateAsync(VirtualKeyGenerator.New(), CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task AuthenticateAsync_RequestWithBadBearerAndGoodApiKey_UsesApiKey()
    {
        var key = await AddKeyAsync();
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer placeholder";
        context.Request.Headers["x-api-key"] = key;
        var result = await Service().AuthenticateAsync(context.Request, CancellationToken.None);
        Assert.Equal(KeyHasher.Hash(key), result.Caller?.KeyHash);
    }

    [Theory]
    [InlineData("good", "bad", "good")]
    [InlineData("good", "", "good")]
    [InlineData("", "good", "good")]
    [InlineData("bad", "bad", null)]
    [InlineData("bad", "other", null)]
    [InlineData("", "", null)]
    public async Task AuthenticateAsync_BearerAndApiKeyHeaders_EitherGoodKeyWins(string bearer, string apiKey, string? expected)
    {
        var key = await AddKeyAsync();
        string Token(string which) => which switch { "good" => key, "bad" => "sk-wrong-key-000000000001", "other" => "sk-wrong-key-000000000002", _ => "" };
        var context = new DefaultHttpContext();
        if (bearer.Length > 0)
        {
            context.Request.Headers.Authorization = $"  bearer   {Token(bearer)}  ";
        }

        if (apiKey.Length > 0)
        {
            context.Request.Headers["x-api-key"] = Token(apiKey);
        }

        var result = await Service().AuthenticateAsync(context.Request, CancellationToken.None);
        if (expected is null)
        {
            Assert.Equal(401, result.StatusCode);
            Assert.Contains(bearer.Length > 0 ? "...0001" : "Missing API key", result.Error, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(KeyHasher.Hash(key), result.Caller?.KeyHash);
        }
    }

    [Fact]
    public async Task SetMasterKey_Null_SwitchesToOpenMode()
    {
        var auth = Service();
        auth.SetMasterKey(null);
        Assert.True(auth.IsOpenMode);
        Assert.Same(Caller.Anonymous, (await auth.AuthenticateAsync("x", CancellationToken.None)).Caller);
    }
}
