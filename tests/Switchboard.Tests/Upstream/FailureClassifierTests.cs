using System.Text;
using Switchboard.Upstream;

namespace Switchboard.Tests.Upstream;

public sealed class FailureClassifierTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 17, 0, 0, TimeSpan.Zero);

    private static UpstreamFailure Classify(int status, string body, string provider = "openai", Func<string, string?>? header = null) =>
        FailureClassifier.Classify(provider, status, header ?? (_ => null), Encoding.UTF8.GetBytes(body), Now);

    private static string ZaiBody(string code, string message = "m") => $"{{\"error\":{{\"code\":\"{code}\",\"message\":\"{message}\"}}}}";

    [Theory]
    [InlineData(429, "RateLimited")]
    [InlineData(529, "Overloaded")]
    [InlineData(401, "KeyDisabled")]
    [InlineData(403, "KeyDisabled")]
    [InlineData(400, "ClientError")]
    [InlineData(404, "ClientError")]
    [InlineData(413, "ClientError")]
    [InlineData(422, "ClientError")]
    [InlineData(500, "Retryable")]
    [InlineData(502, "Retryable")]
    [InlineData(503, "Retryable")]
    [InlineData(408, "Timeout")]
    public void Classify_HttpStatusWithoutCode_ByStatus(int status, string kind)
    {
        var f = Classify(status, """{"error":{"message":"nope","type":"x"}}""");
        Assert.Equal(Enum.Parse<FailureKind>(kind), f.Kind);
        Assert.Equal("nope", f.Message);
        Assert.Equal(status, f.HttpStatus);
    }

    [Fact]
    public void Classify_AnthropicOverloadedType_Overloaded() =>
        Assert.Equal(FailureKind.Overloaded,
            Classify(500, """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", "anthropic").Kind);

    [Theory]
    [InlineData("1302", "ConcurrencyLimited")]
    [InlineData("1303", "RateLimited")]
    [InlineData("1304", "QuotaExhausted")]
    [InlineData("1305", "Overloaded")]
    [InlineData("1308", "QuotaExhausted")]
    [InlineData("1113", "KeyDisabled")]
    [InlineData("1309", "KeyDisabled")]
    [InlineData("1313", "KeyDisabled")]
    [InlineData("1000", "KeyDisabled")]
    [InlineData("1001", "KeyDisabled")]
    [InlineData("1002", "KeyDisabled")]
    [InlineData("1003", "KeyDisabled")]
    [InlineData("1004", "KeyDisabled")]
    [InlineData("1110", "KeyDisabled")]
    [InlineData("1111", "KeyDisabled")]
    [InlineData("1112", "KeyDisabled")]
    [InlineData("1210", "ClientError")]
    [InlineData("1211", "ClientError")]
    [InlineData("1212", "ClientError")]
    [InlineData("1213", "ClientError")]
    [InlineData("1214", "ClientError")]
    [InlineData("1215", "ClientError")]
    [InlineData("1301", "ClientError")]
    public void Classify_ZaiCode_WhateverTheProvider(string code, string kind)
    {
        foreach (var provider in new[] { "zai", "openai", "anthropic" })
        {
            var f = Classify(429, ZaiBody(code), provider);
            Assert.Equal(Enum.Parse<FailureKind>(kind), f.Kind);
            Assert.Equal(code, f.ProviderCode);
            Assert.Equal(f.Kind != FailureKind.ClientError, f.IsRetryableOnAnotherDeployment);
        }
    }

    [Fact]
    public void Classify_ZaiNumericCode_Recognised() =>
        Assert.Equal(FailureKind.ConcurrencyLimited, Classify(429, """{"error":{"code":1302,"message":"busy"}}""").Kind);

    [Fact]
    public void Classify_Zai1304_UntilNextMidnightUtc8()
    {
        // 17:00 UTC is 01:00 on the 26th in UTC+8: the next midnight there is 16:00 UTC on the 26th.
        var f = Classify(429, ZaiBody("1304"));
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 16, 0, 0, TimeSpan.Zero), f.CooldownUntil);
    }

    [Fact]
    public void Classify_Zai1308_UntilTheNamedResetTime()
    {
        var f = Classify(429, ZaiBody("1308", "Usage limit reached for 5 hour. Your limit will reset at 2026-11-26 02:59:08"));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 18, 59, 8, TimeSpan.Zero), f.CooldownUntil);
    }

    [Fact]
    public void Classify_Zai1308ResetCenturiesAhead_CappedAtMaxWait() =>
        Assert.Equal(Now + RateLimitHeaders.MaxWait, Classify(429, ZaiBody("1308", "Your limit will reset at 9999-12-31 23:59:59")).CooldownUntil);

    [Fact]
    public void Classify_Zai1308ResetBeforeTheFirstDate_OneHour() =>
        Assert.Equal(Now.AddHours(1), Classify(429, ZaiBody("1308", "Your limit will reset at 0001-01-01 00:00:00")).CooldownUntil);

    [Fact]
    public void Classify_Zai1308Unparseable_OneHour() =>
        Assert.Equal(Now.AddHours(1), Classify(429, ZaiBody("1308", "limit reached")).CooldownUntil);

    [Theory]
    [InlineData(500, "Retryable")]
    [InlineData(400, "ClientError")]
    [InlineData(429, "RateLimited")]
    [InlineData(302, "Retryable")] // a moved base URL, a captive portal: the deployment's fault, not the request's
    [InlineData(307, "Retryable")]
    [InlineData(101, "Retryable")]
    public void Classify_UnknownCode_FallsBackToStatus(int status, string kind) =>
        Assert.Equal(Enum.Parse<FailureKind>(kind), Classify(status, ZaiBody("9999")).Kind);

    [Fact]
    public void Classify_NonJsonBody_ByStatusWithBodyAsMessage()
    {
        var f = Classify(502, "<html>Bad Gateway</html>");
        Assert.Equal(FailureKind.Retryable, f.Kind);
        Assert.Equal("<html>Bad Gateway</html>", f.Message);
    }

    [Fact]
    public void Classify_EmptyBody_MessageNamesStatus() => Assert.Contains("503", Classify(503, "").Message);

    [Theory]
    [InlineData("retry-after", "30", 30_000)]
    [InlineData("retry-after", "Wed, 25 Nov 2026 17:01:00 GMT", 60_000)]
    [InlineData("retry-after-ms", "1500", 1_500)]
    public void Classify_RetryAfterHeader_Read(string name, string value, int expectedMs)
    {
        var f = Classify(429, "{}", header: h => h == name ? value : null);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), f.RetryAfter);
    }

    [Theory]
    [InlineData("retry-after", "99999999999999")]
    [InlineData("retry-after", "300000000000")]
    [InlineData("retry-after", "Infinity")]
    [InlineData("retry-after", "1e400")]
    [InlineData("retry-after-ms", "1e20")]
    [InlineData("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")]
    public void Classify_RetryAfterBeyondAnyReason_CappedNotThrown(string name, string value)
    {
        var f = Classify(429, "{}", header: h => h == name ? value : null);
        Assert.Equal(RateLimitHeaders.MaxWait, f.RetryAfter);
    }

    [Theory]
    [InlineData("retry-after", "NaN")]
    [InlineData("retry-after-ms", "NaN")]
    [InlineData("retry-after", "-5")]
    public void Classify_RetryAfterNotAWait_Ignored(string name, string value) =>
        Assert.Null(Classify(429, "{}", header: h => h == name ? value : null).RetryAfter);

    [Fact]
    public void Classify_429WithRateLimitResetHeaders_CooldownUntilReset()
    {
        var f = Classify(429, "{}", header: h => h switch
        {
            "x-ratelimit-remaining-tokens" => "0",
            "x-ratelimit-reset-tokens" => "1m30s",
            _ => null,
        });
        Assert.Equal(Now.AddSeconds(90), f.CooldownUntil);
    }

    [Fact]
    public void FromException_Kinds()
    {
        Assert.Equal(FailureKind.Retryable, FailureClassifier.FromException(new HttpRequestException("Connection refused"), false).Kind);
        Assert.Equal(FailureKind.Retryable, FailureClassifier.FromException(new IOException("reset by peer"), false).Kind);
        Assert.Equal(FailureKind.Timeout, FailureClassifier.FromException(new TaskCanceledException(), true).Kind);
        Assert.Equal(FailureKind.ClientError, FailureClassifier.FromException(new OperationCanceledException(), false).Kind);
    }
}
