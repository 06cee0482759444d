using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.MockProvider.MockProviderHarness;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>Z.ai business codes, <c>conc&lt;N&gt;-</c> accounts and <c>slow-</c> keys, on a server whose clock the test moves.</summary>
public sealed class MockProviderZaiTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 13, 59, 8, TimeSpan.Zero);
    private readonly TimerCountingTimeProvider _time = new(Start);
    private readonly MockProviderHarness _mock;

    public MockProviderZaiTests() =>
        _mock = new MockProviderHarness { Options = new MockProviderOptions { TimeProvider = _time, SlowDelay = TimeSpan.FromSeconds(2) } };

    public Task InitializeAsync() => _mock.InitializeAsync();

    public Task DisposeAsync() => _mock.DisposeAsync();

    [Theory]
    [InlineData(1302, 429)]
    [InlineData(1303, 429)]
    [InlineData(1304, 429)]
    [InlineData(1305, 429)]
    [InlineData(1308, 429)]
    [InlineData(1113, 429)]
    [InlineData(1309, 429)]
    [InlineData(1313, 429)]
    [InlineData(1000, 401)]
    [InlineData(1002, 401)]
    [InlineData(1004, 401)]
    [InlineData(1112, 429)]
    [InlineData(1210, 400)]
    [InlineData(1211, 400)]
    [InlineData(1214, 400)]
    [InlineData(1301, 400)]
    [InlineData(1999, 400)]
    public async Task ChatCompletions_ZaiKey_AnswersZaiStatusAndStringCodeWithoutRateLimitHeaders(int code, int status)
    {
        using var response = await _mock.PostAsync("/v1/chat/completions", $"zai{code}-a", Chat("glm-4.6", "hi"));

        Assert.Equal(status, (int)response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("code").ValueKind);
        Assert.Equal(code.ToString(), error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(response.Headers.Contains("Retry-After"));
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("x-ratelimit", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Messages_ZaiKey_AnswersTheSameZaiBody()
    {
        using var response = await _mock.PostAsync("/v1/messages", "zai1302-m", """{"model":"glm-4.6","max_tokens":10,"messages":[]}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("1302", (await JsonAsync(response)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task ChatCompletions_Zai1308_NamesResetFiveHoursAheadInUtcPlus8()
    {
        using var response = await _mock.PostAsync("/v1/chat/completions", "zai1308-b", Chat("glm-4.6", "hi"));

        var message = (await JsonAsync(response)).GetProperty("error").GetProperty("message").GetString();
        // 13:59:08 UTC is 21:59:08 in UTC+8; five hours later is 02:59:08 the next day.
        Assert.EndsWith("reset at 2026-11-26 02:59:08", message);
    }

    [Fact]
    public async Task ChatCompletions_Conc1KeyWithOneCallInFlight_RejectsTheSecondWith1302()
    {
        var first = _mock.PostAsync("/v1/chat/completions", "conc1-a", Chat("m", "hi"));
        await EventuallyAsync(() => _time.Timers == 1);

        using (var second = await _mock.PostAsync("/v1/chat/completions", "conc1-a", Chat("m", "hi")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.Equal("1302", (await JsonAsync(second)).GetProperty("error").GetProperty("code").GetString());
        }

        Assert.False(first.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        using (var answered = await first) Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        using (var third = await _mock.PostAsync("/v1/chat/completions", "conc1-a", Chat("m", "hi"), ("x-mock-delay-ms", "0")))
        {
            Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        }

        var stats = _mock.Server.Stats["conc1-a"];
        Assert.Equal(new MockKeyStats(3, 0, 2), stats);
    }

    [Fact]
    public async Task ChatCompletions_Conc1KeyRefusesABurst_RefusedCallsNeverCountAsInFlight()
    {
        var first = _mock.PostAsync("/v1/chat/completions", "conc1-b", Chat("m", "hi"));
        await EventuallyAsync(() => _time.Timers == 1);

        var refused = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _mock.PostAsync("/v1/chat/completions", "conc1-b", Chat("m", "hi"))));
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        foreach (var r in refused) r.Dispose();

        // A refusal starts no generation: only the held call is in flight, at once, not when each refusal's handler ends.
        var stats = _mock.Server.Stats["conc1-b"];
        Assert.Equal(1, stats.InFlight);
        Assert.Equal(2, stats.MaxInFlight);
        Assert.Equal(5, _mock.Server.Stats.For("conc1-b").ConcurrencyRefused);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        using (var answered = await first) Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(0, _mock.Server.Stats["conc1-b"].InFlight);
    }

    [Fact]
    public async Task ChatCompletions_Conc2Key_AdmitsTwoAtOnce()
    {
        var first = _mock.PostAsync("/v1/chat/completions", "conc2-a", Chat("m", "hi"));
        var second = _mock.PostAsync("/v1/chat/completions", "conc2-a", Chat("m", "hi"));
        await EventuallyAsync(() => _time.Timers == 2);

        _time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.All(await Task.WhenAll(first, second), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, _mock.Server.Stats["conc2-a"].MaxInFlight);
    }

    [Fact]
    public async Task ChatCompletions_SlowKey_AnswersOnlyAfterSlowDelay()
    {
        var call = _mock.PostAsync("/v1/chat/completions", "slow-1", Chat("m", "hi"));
        await EventuallyAsync(() => _time.Timers == 1);

        _time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(call.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.1));

        using var response = await call;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ChatCompletions_DelayHeader_OverridesSlowDelay()
    {
        var call = _mock.PostAsync("/v1/chat/completions", "slow-2", Chat("m", "hi"), ("x-mock-delay-ms", "300"));
        await EventuallyAsync(() => _time.Timers == 1);

        _time.Advance(TimeSpan.FromMilliseconds(300));

        using var response = await call;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
