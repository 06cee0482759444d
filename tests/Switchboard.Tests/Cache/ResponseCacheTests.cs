using System.Text;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Cache;
using Switchboard.Config;

namespace Switchboard.Tests.Cache;

public sealed class ResponseCacheTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static (ResponseCache Cache, FakeTimeProvider Time) Build(Dictionary<string, string>? p = null)
    {
        var time = new FakeTimeProvider(Start);
        var options = CacheOptions.From(new LiteLlmSettings { Cache = true, CacheParams = p ?? [] })!;
        return (new ResponseCache(options, new LocalCacheBackend(time, options.MaxEntries), time), time);
    }

    private static CacheRequest Request(string controls = "") =>
        CacheRequest.Parse(Encoding.UTF8.GetBytes("{\"model\":\"m\",\"messages\":[]" + controls + "}"), CallType.Chat, "m", false, null, null);

    private static async Task StoreAsync(ResponseCache cache, CacheRequest request) =>
        await cache.StoreAsync(request, "{\"ok\":1}"u8.ToArray(), "application/json", CancellationToken.None);

    [Fact]
    public async Task LookupAsync_ConfigTtl_ExpiresOnTheClock()
    {
        var (cache, time) = Build(new() { ["ttl"] = "60" });
        await StoreAsync(cache, Request());

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(await cache.LookupAsync(Request(), CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await cache.LookupAsync(Request(), CancellationToken.None));
    }

    [Fact]
    public async Task LookupAsync_RequestTtl_WinsOverConfig()
    {
        var (cache, time) = Build(new() { ["ttl"] = "600" });
        await StoreAsync(cache, Request(",\"cache\":{\"ttl\":5}"));

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.NotNull(await cache.LookupAsync(Request(), CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await cache.LookupAsync(Request(), CancellationToken.None));
    }

    [Fact]
    public async Task LookupAsync_SMaxAge_RefusesOlderEntries()
    {
        var (cache, time) = Build();
        await StoreAsync(cache, Request());
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.Null(await cache.LookupAsync(Request(",\"cache\":{\"s-maxage\":20}"), CancellationToken.None));
        Assert.NotNull(await cache.LookupAsync(Request(",\"cache\":{\"s-maxage\":40}"), CancellationToken.None));
    }

    [Fact]
    public async Task LookupAsync_NoCacheAndNoStore_SkipLookupOrStore()
    {
        var (cache, _) = Build();
        await StoreAsync(cache, Request());

        Assert.Null(await cache.LookupAsync(Request(",\"cache\":{\"no-cache\":true}"), CancellationToken.None));
        Assert.True(cache.Stores(Request(",\"cache\":{\"no-cache\":true}")));
        Assert.False(cache.Stores(Request(",\"cache\":{\"no-store\":true}")));
    }

    [Fact]
    public void Applies_DefaultOff_OnlyWithUseCache()
    {
        var (cache, _) = Build(new() { ["mode"] = "default_off" });

        Assert.False(cache.Applies(Request()));
        Assert.True(cache.Applies(Request(",\"cache\":{\"use-cache\":true}")));
        Assert.True(Build().Cache.Applies(Request()));
        Assert.False(Build().Cache.Applies(Request(",\"cache\":{\"use-cache\":false}")));
    }

    [Fact]
    public async Task SetAsync_AtMaxSize_EvictsTheOldest()
    {
        var time = new FakeTimeProvider(Start);
        var backend = new LocalCacheBackend(time, 10);
        for (var i = 0; i < 25; i++)
        {
            await backend.SetAsync("k" + i, new CacheEntry([1], "application/json", time.GetUtcNow()), TimeSpan.FromHours(1), CancellationToken.None);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(backend.Count, 1, 10);
        Assert.NotNull(await backend.GetAsync("k24", CancellationToken.None));
        Assert.Null(await backend.GetAsync("k0", CancellationToken.None));
    }

    [Fact]
    public void From_Params_ParsedAndBadValuesWarned()
    {
        Assert.Null(CacheOptions.From(new LiteLlmSettings()));
        var o = CacheOptions.From(new LiteLlmSettings
        {
            Cache = true,
            CacheParams = new Dictionary<string, string>
            {
                ["type"] = "local",
                ["ttl"] = "abc",
                ["namespace"] = "ns",
                ["supported_call_types"] = "acompletion,aembedding",
                ["max_size_in_memory"] = "5",
            },
        })!;

        Assert.Equal(CacheOptions.DefaultTtl, o.Ttl);
        Assert.Single(o.Warnings);
        Assert.Equal("ns", o.Namespace);
        Assert.Equal(5, o.MaxEntries);
        Assert.True(o.Supports(CallType.Chat));
        Assert.True(o.Supports(CallType.Embedding));
        Assert.False(o.Supports(CallType.AnthropicMessages));
    }
}
