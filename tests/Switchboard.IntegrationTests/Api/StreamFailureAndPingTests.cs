using System.Text;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Config;
using Switchboard.IntegrationTests.Anthropic;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Api;

public sealed class StreamFailureAndPingTests
{
    [Fact]
    public async Task OpenAiStream_UpstreamBreaksMidWay_ErrorEventAndFailureCounted()
    {
        await using var upstream = await BreakingUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Configs.Of(Configs.Http("glm-pool", "dep-break", upstream.BaseUrl, "ok-break")));
        using var response = await gateway.Client.SendAsync(OpenAiEndpointsTests.Post("/v1/chat/completions",
            """{"model":"glm-pool","stream":true,"messages":[{"role":"user","content":"hi"}]}"""));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("Hello ", text, StringComparison.Ordinal);
        Assert.Contains("data: {\"error\":", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", text, StringComparison.Ordinal);
        var status = gateway.Services.Router.Snapshot();
        var deployment = status.Groups.Single().Deployments.Single();
        Assert.Equal(1, deployment.Total.Failures);
    }

    [Fact]
    public async Task AnthropicStream_UpstreamThinksLong_PingEveryTenSecondsBeforeFirstToken()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var slow = Configs.Mock("glm-pool", "dep-think", chunks: 2, response: "done thinking") with
        {
            Mock = new MockParams { Latency = TimeSpan.FromSeconds(25), Chunks = 2, Response = "done thinking" },
        };
        await using var gateway = await TestGateway.StartAsync(Configs.Of(slow), clock);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages?beta=true")
        {
            Content = new StringContent("""{"model":"glm-pool","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var events = new List<string>();
        var reading = Task.Run(async () =>
        {
            string? line;
            while ((line = await reader.ReadLineAsync()) is not null)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    lock (events)
                    {
                        events.Add(line[7..]);
                    }
                }
            }
        });

        // 25 s of upstream silence in 5 s steps: message_start at once (with the headers, as Anthropic's API starts a
        // stream), pings at 10 s and 20 s, then the answer.
        for (var i = 0; i < 12 && !reading.IsCompleted; i++)
        {
            await Task.Delay(150);
            clock.Advance(TimeSpan.FromSeconds(5));
        }

        await reading.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("message_start", events[0]);
        Assert.Equal("ping", events[1]);
        Assert.Equal("ping", events[2]);
        Assert.Equal("content_block_start", events[3]);
        Assert.Equal("message_stop", events[^1]);
    }
}
