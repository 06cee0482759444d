using Switchboard.Upstream;

namespace Switchboard.Tests.Upstream;

public sealed class RateLimitHeadersTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static RateLimitHint? Read(params (string Name, string Value)[] headers) =>
        RateLimitHeaders.Read(h => headers.FirstOrDefault(x => x.Name == h).Value, Now);

    [Theory]
    [InlineData("20s", 20_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("6ms", 6)]
    [InlineData("2", 2_000)]
    [InlineData("1h2m3.5s", 3_723_500)]
    public void Read_RemainingRequestsZero_CooldownUntilReset(string reset, int ms)
    {
        var hint = Read(("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", reset));
        Assert.Equal(Now.AddMilliseconds(ms), hint?.CooldownUntil);
        Assert.Contains("x-ratelimit-remaining-requests", hint?.Reason);
    }

    [Theory]
    [InlineData("99999999999999s")]
    [InlineData("99999999999999")]
    [InlineData("1e400")]
    [InlineData("9999999999999999h")]
    public void Read_ResetBeyondAnyReason_CappedNotThrown(string reset)
    {
        var hint = Read(("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", reset));
        Assert.Equal(Now + RateLimitHeaders.MaxWait, hint?.CooldownUntil);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("NaNs")]
    public void Read_ResetNotAWait_NoHint(string reset) =>
        Assert.Null(Read(("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", reset)));

    [Fact]
    public void ReadRequestWindow_OpenAiRequestHeaders_LimitRemainingAndReset()
    {
        var window = RateLimitHeaders.ReadRequestWindow(
            h => h switch
            {
                "x-ratelimit-limit-requests" => "10",
                "x-ratelimit-remaining-requests" => "3",
                "x-ratelimit-reset-requests" => "1500ms",
                _ => null,
            }, Now);

        Assert.Equal(new RequestWindow(10, 3, Now + TimeSpan.FromMilliseconds(1500)), window);
    }

    [Fact]
    public void ReadRequestWindow_AnthropicRequestHeaders_LimitRemainingAndReset()
    {
        var window = RateLimitHeaders.ReadRequestWindow(
            h => h switch
            {
                "anthropic-ratelimit-requests-limit" => "50",
                "anthropic-ratelimit-requests-remaining" => "0",
                "anthropic-ratelimit-requests-reset" => "2026-11-25T10:00:30Z",
                _ => null,
            }, Now);

        Assert.Equal(new RequestWindow(50, 0, Now + TimeSpan.FromSeconds(30)), window);
    }

    [Fact]
    public void ReadRequestWindow_NoLimitHeader_Null() =>
        Assert.Null(RateLimitHeaders.ReadRequestWindow(h => h == "x-ratelimit-remaining-requests" ? "0" : null, Now));

    [Fact]
    public void Read_RemainingNonZero_NoHint() =>
        Assert.Null(Read(("x-ratelimit-remaining-requests", "3"), ("x-ratelimit-reset-requests", "20s")));

    [Fact]
    public void Read_RemainingZeroWithoutReset_NoHint() => Assert.Null(Read(("x-ratelimit-remaining-tokens", "0")));

    [Fact]
    public void Read_BothExhausted_LatestResetWins()
    {
        var hint = Read(
            ("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "5s"),
            ("x-ratelimit-remaining-tokens", "0"), ("x-ratelimit-reset-tokens", "40s"));
        Assert.Equal(Now.AddSeconds(40), hint?.CooldownUntil);
    }

    [Fact]
    public void Read_AnthropicHeaders_Rfc3339Reset()
    {
        var hint = Read(("anthropic-ratelimit-input-tokens-remaining", "0"), ("anthropic-ratelimit-input-tokens-reset", "2026-11-25T10:00:45Z"));
        Assert.Equal(Now.AddSeconds(45), hint?.CooldownUntil);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("5x")]
    [InlineData("s")]
    public void ParseDuration_Garbage_Null(string text) => Assert.Null(RateLimitHeaders.ParseDuration(text));

    [Fact]
    public async Task Read_FromAnUpstreamResponse_SameAsFromADelegate()
    {
        var headers = new Dictionary<string, string>
        {
            ["x-ratelimit-remaining-tokens"] = "0",
            ["x-ratelimit-reset-tokens"] = "1m30s",
            ["x-ratelimit-limit-requests"] = "60",
            ["x-ratelimit-remaining-requests"] = "7",
            ["x-ratelimit-reset-requests"] = "20s",
        };
        await using var response = new UpstreamResponse(200, new MemoryStream(), headers);

        var hint = RateLimitHeaders.Read(response, Now);
        var window = RateLimitHeaders.ReadRequestWindow(response, Now);

        Assert.Equal(RateLimitHeaders.Read(h => headers.GetValueOrDefault(h), Now), hint);
        Assert.Equal(Now.AddSeconds(90), hint!.Value.CooldownUntil);
        Assert.Equal(new RequestWindow(60, 7, Now.AddSeconds(20)), window);
        Assert.Equal(RateLimitHeaders.ReadRequestWindow(h => headers.GetValueOrDefault(h), Now), window);
    }
}
