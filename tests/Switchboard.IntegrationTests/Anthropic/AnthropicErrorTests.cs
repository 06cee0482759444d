using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using static Switchboard.IntegrationTests.Anthropic.AnthropicKit;

namespace Switchboard.IntegrationTests.Anthropic;

/// <summary>Every error class the Messages API has, in Anthropic's shape with its status, request-id header and request_id field.</summary>
public sealed class AnthropicErrorTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);

    public async Task DisposeAsync() => await _mock.DisposeAsync();

    private Task<TestGateway> GatewayAsync(params string[] keys) => GatewayAsync(0, keys);

    private Task<TestGateway> GatewayAsync(int retries, params string[] keys) =>
        TestGateway.StartAsync(ClaudePool(_mock.BaseUrl, keys) with { Router = new RouterSettings { NumRetries = retries } });

    [Theory]
    [InlineData("malformed json", "/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}""")]
    [InlineData("missing model", "/v1/messages?beta=true", """{"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("model not a string", "/v1/messages", """{"model":42,"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("tool_result without tool_use_id", "/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result","content":"no id"}]}]}""")]
    [InlineData("message not an object", "/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":10,"messages":["hi"]}""")]
    [InlineData("nothing readable left", "/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":[{"type":"hologram","data":"x"}]}]}""")]
    [InlineData("image without source", "/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image"}]}]}""")]
    [InlineData("count_tokens malformed json", "/v1/messages/count_tokens", """{"model":"claude-sonnet-4-5","messages":[""")]
    [InlineData("count_tokens missing model", "/v1/messages/count_tokens?beta=true", """{"messages":[{"role":"user","content":"hi"}]}""")]
    public async Task BadRequest_400InvalidRequestError_NoUpstreamCall(string what, string path, string body)
    {
        await using var gateway = await GatewayAsync("ok-e1");

        using var response = await gateway.Client.SendAsync(Post(path, body));

        Assert.False(string.IsNullOrEmpty(what));
        await AssertErrorAsync(response, 400, "invalid_request_error");
        Assert.Equal(0, _mock.Stats.Total);
    }

    [Fact]
    public async Task PdfDocument_ThroughSdk_AnsweredWithPlaceholderNotRefused()
    {
        await using var gateway = await GatewayAsync("ok-e2");

        // A PDF cannot go to an OpenAI-format model; refusing it would break every later turn of the session, so the
        // model gets a placeholder saying so (docs/compatibility.md).
        var message = await Client(gateway).Messages.Create(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 10,
            Messages = [new UserMessageParam { Content = new List<ContentBlockParam> { new DocumentBlockParam { Source = new Base64PdfSource { Data = "JVBERi0xLjQK" } } } }],
        });

        Assert.Equal("end_turn", message.StopReason?.Raw());
        Assert.Equal(1, _mock.Stats.Total);
    }

    [Fact]
    public async Task UnknownModel_404NotFoundError_NamesTheModel()
    {
        var config = new GatewayConfig { ModelList = [Configs.Http("glm-pool", "dep-ok", _mock.BaseUrl, "ok-e3")] };
        await using var gateway = await TestGateway.StartAsync(config);

        using var response = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "hi", stream: true)));

        var error = await AssertErrorAsync(response, 404, "not_found_error");
        Assert.Contains(Sonnet, error.GetProperty("error").GetProperty("message").GetString());
        await Assert.ThrowsAsync<AnthropicNotFoundException>(() => Client(gateway).Messages.Create(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 10,
            Messages = [new UserMessageParam("hi")],
        }));
        Assert.Equal(0, _mock.Stats.Total);
    }

    [Theory]
    [InlineData("/v1/messages")]
    [InlineData("/v1/messages/count_tokens?beta=true")]
    public async Task BodyOverLimit_413RequestTooLarge(string path)
    {
        var config = ClaudePool(_mock.BaseUrl, "ok-e4") with { General = new GeneralSettings { MaxRequestBodyBytes = 2048 } };
        await using var gateway = await TestGateway.StartAsync(config);

        using var response = await gateway.Client.SendAsync(Post(path, Messages(Sonnet, new string('x', 8000), stream: false)));

        await AssertErrorAsync(response, 413, "request_too_large");
        Assert.Equal(0, _mock.Stats.Total);
    }

    [Fact]
    public async Task AllKeysRateLimited_429RateLimitErrorWithRetryAfter()
    {
        await using var gateway = await GatewayAsync(1, "rl-e5a", "rl-e5b");

        using var response = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "hi", stream: true)));

        await AssertErrorAsync(response, 429, "rate_limit_error");
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter!.Value.TotalSeconds, 1, 60);
        await Assert.ThrowsAsync<AnthropicRateLimitException>(() => Client(gateway).Messages.Create(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 10,
            Messages = [new UserMessageParam("hi")],
        }));
    }

    [Fact]
    public async Task AllKeysOutOfQuotaForHours_429WithShouldRetryFalse()
    {
        // Z.ai 1308: the plan's quota is used up until a reset hours away. Claude Code must stop, not burn its retries.
        await using var gateway = await GatewayAsync(1, "zai1308-q1", "zai1308-q2");
        using (await gateway.Client.SendAsync(Post("/v1/messages", Messages(Sonnet, "hi", stream: false))))
        {
        }

        using var response = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "hi", stream: true)));

        var error = await AssertErrorAsync(response, 429, "rate_limit_error");
        Assert.Equal("false", Header(response, "x-should-retry"));
        Assert.Contains("claude-*", error.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(1, _mock.Stats["zai1308-q1"].Calls);
        Assert.Equal(1, _mock.Stats["zai1308-q2"].Calls);
    }

    [Fact]
    public async Task AllKeysOutOfQuotaForHours_FirstCallAlreadySaysDoNotRetry()
    {
        await using var gateway = await GatewayAsync(1, "zai1308-q3", "zai1308-q4");

        using var response = await gateway.Client.SendAsync(Post("/v1/messages", Messages(Sonnet, "hi", stream: false)));

        var error = await AssertErrorAsync(response, 429, "rate_limit_error");
        Assert.Equal("false", Header(response, "x-should-retry"));
        Assert.Contains("reset", error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task QuotaCodeUnderHttp200_TheSameAnswerAsUnder429()
    {
        // Z.ai's business code in a 200 body is the error it states: a spent quota says so and stops the client,
        // instead of a generic 502 with the upstream's words dropped.
        await using var gateway = await GatewayAsync(1, "zaiok1308-q5", "zaiok1308-q6");

        using var response = await gateway.Client.SendAsync(Post("/v1/messages", Messages(Sonnet, "hi", stream: false)));

        var error = await AssertErrorAsync(response, 429, "rate_limit_error");
        Assert.Equal("false", Header(response, "x-should-retry"));
        Assert.Contains("reset", error.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(1, _mock.Stats["zaiok1308-q5"].Calls);
        Assert.Equal(1, _mock.Stats["zaiok1308-q6"].Calls);
    }

    [Fact]
    public async Task ServerErrors_5xxApiError()
    {
        await using var gateway = await GatewayAsync("err-e6");

        using var response = await gateway.Client.SendAsync(Post("/v1/messages", Messages(Sonnet, "hi", stream: false)));

        await AssertErrorAsync(response, 500, "api_error");
        Assert.Equal(1, _mock.Stats["err-e6"].Calls);
    }

    [Fact]
    public async Task ZaiOverloaded1305OnEveryKey_FirstCall529OverloadedError()
    {
        await using var gateway = await GatewayAsync(1, "zai1305-e7a", "zai1305-e7b");

        using var response = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "hi", stream: true)));

        await AssertErrorAsync(response, 529, "overloaded_error");
        Assert.Equal(1, _mock.Stats["zai1305-e7a"].Calls);
        Assert.Equal(1, _mock.Stats["zai1305-e7b"].Calls);
    }

    [Fact]
    public async Task ZaiOverloaded1305OnEveryKey_OnceKnown529OverloadedErrorWithoutUpstreamCall()
    {
        await using var gateway = await GatewayAsync(1, "zai1305-e8a", "zai1305-e8b");
        using (await gateway.Client.SendAsync(Post("/v1/messages", Messages(Sonnet, "hi", stream: false))))
        {
        }

        using var response = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "hi", stream: true)));

        await AssertErrorAsync(response, 529, "overloaded_error");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(1, _mock.Stats["zai1305-e8a"].Calls);
        Assert.Equal(1, _mock.Stats["zai1305-e8b"].Calls);
        var ex = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => Client(gateway).Messages.Create(new MessageCreateParams
        {
            Model = Sonnet,
            MaxTokens = 10,
            Messages = [new UserMessageParam("hi")],
        }));
        Assert.Equal(529, (int)ex.StatusCode);
        Assert.Contains("overloaded_error", ex.Message);
    }

    [Fact]
    public async Task EveryKeyRejected_NoRetryErrorFromTheFirstCall()
    {
        await using var gateway = await GatewayAsync(1, "auth-e9a", "auth-e9b");

        using var first = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "hi", stream: true)));
        var firstError = await AssertErrorAsync(first, 429, "rate_limit_error");
        Assert.Equal("false", Header(first, "x-should-retry"));
        using var second = await gateway.Client.SendAsync(Post("/v1/messages?beta=true", Messages(Sonnet, "hi", stream: true)));

        // Not a 401: the caller's own key is fine, and authentication_error would make Claude Code ask its user to log
        // in again. The upstream keys are disabled after their 401; later calls are refused at once, and told not to retry.
        Assert.Contains("Incorrect API key", firstError.GetProperty("error").GetProperty("message").GetString());
        var error = await AssertErrorAsync(second, 429, "rate_limit_error");
        Assert.Contains("disabled", error.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("false", Header(second, "x-should-retry"));
        Assert.Equal(1, _mock.Stats["auth-e9a"].Calls);
        Assert.Equal(1, _mock.Stats["auth-e9b"].Calls);
        Assert.DoesNotContain(gateway.Logs.Lines, l => l.Contains("auth-e9a", StringComparison.Ordinal) && !l.Contains("dep-auth-e9a", StringComparison.Ordinal));
    }
}
