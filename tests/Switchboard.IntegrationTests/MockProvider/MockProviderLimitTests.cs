using System.Net;
using Microsoft.Extensions.Time.Testing;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.MockProvider.MockProviderHarness;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary><c>lim&lt;N&gt;w&lt;S&gt;-</c> and <c>limh…</c> keys: real per-window limits on a clock the test moves.</summary>
public sealed class MockProviderLimitTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 13, 59, 8, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly MockProviderHarness _mock;

    public MockProviderLimitTests() =>
        _mock = new MockProviderHarness { Options = new MockProviderOptions { TimeProvider = _time } };

    public Task InitializeAsync() => _mock.InitializeAsync();

    public Task DisposeAsync() => _mock.DisposeAsync();

    [Theory]
    [InlineData("lim10w2-a", "WindowLimit", 10, 2)]
    [InlineData("limh3w60-b", "WindowLimitHeaders", 3, 60)]
    [InlineData("lim0w2-c", "Ok", 0, 0)]
    [InlineData("lim5w-d", "Ok", 0, 0)]
    [InlineData("lim5x2-e", "Ok", 0, 0)]
    public void Parse_LimitKeys_ReadsCallsAndWindow(string key, string kind, int calls, int seconds) =>
        Assert.Equal(new MockKey(Enum.Parse<MockKeyKind>(kind), calls, seconds), MockKey.Parse(key));

    [Fact]
    public async Task ChatCompletions_LimitKeyBeyondItsCalls_Answers1303WithoutHeadersUntilTheWindowEnds()
    {
        for (var i = 0; i < 3; i++)
        {
            using var ok = await _mock.PostAsync("/v1/chat/completions", "lim3w2-a", Chat("glm-4.6", "hi"));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.DoesNotContain(ok.Headers, h => h.Key.StartsWith("x-ratelimit", StringComparison.OrdinalIgnoreCase));
        }

        _time.Advance(TimeSpan.FromMilliseconds(1999));
        using (var refused = await _mock.PostAsync("/v1/chat/completions", "lim3w2-a", Chat("glm-4.6", "hi")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("1303", (await JsonAsync(refused)).GetProperty("error").GetProperty("code").GetString());
            Assert.DoesNotContain(refused.Headers, h => h.Key.StartsWith("x-ratelimit", StringComparison.OrdinalIgnoreCase));
            Assert.False(refused.Headers.Contains("Retry-After"));
        }

        // Another key has its own window.
        using (var other = await _mock.PostAsync("/v1/chat/completions", "lim3w2-b", Chat("glm-4.6", "hi")))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        _time.Advance(TimeSpan.FromMilliseconds(1));
        using var again = await _mock.PostAsync("/v1/chat/completions", "lim3w2-a", Chat("glm-4.6", "hi"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task ChatCompletions_LimitKeyWithHeaders_CountsDownAndNamesTheReset()
    {
        using (var first = await _mock.PostAsync("/v1/chat/completions", "limh2w10-a", Chat("glm-4.6", "hi")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("2", first.Headers.GetValues("x-ratelimit-limit-requests").Single());
            Assert.Equal("1", first.Headers.GetValues("x-ratelimit-remaining-requests").Single());
            Assert.Equal("10000ms", first.Headers.GetValues("x-ratelimit-reset-requests").Single());
        }

        _time.Advance(TimeSpan.FromSeconds(4));
        using (var second = await _mock.PostAsync("/v1/chat/completions", "limh2w10-a", Chat("glm-4.6", "hi")))
        {
            Assert.Equal("0", second.Headers.GetValues("x-ratelimit-remaining-requests").Single());
            Assert.Equal("6000ms", second.Headers.GetValues("x-ratelimit-reset-requests").Single());
        }

        using var refused = await _mock.PostAsync("/v1/chat/completions", "limh2w10-a", Chat("glm-4.6", "hi"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("1303", (await JsonAsync(refused)).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("0", refused.Headers.GetValues("x-ratelimit-remaining-requests").Single());
    }
}
