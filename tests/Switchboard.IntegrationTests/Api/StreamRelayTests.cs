using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Api;

public sealed class StreamRelayTests
{
    [Fact]
    public async Task Stream_FirstChunkReachesClient_BeforeUpstreamFinishes()
    {
        // The mock upstream waits on this fake clock between chunks, so it cannot finish until the test says so:
        // if the gateway buffered the stream, the first read below would never complete.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await TestGateway.StartAsync(
            Configs.Of(Configs.Mock("glm-pool", "dep-a", chunks: 3, chunkDelay: TimeSpan.FromSeconds(10), response: "alpha beta gamma")), clock);
        using var request = OpenAiEndpointsTests.Post("/v1/chat/completions", """{"model":"glm-pool","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(new MediaTypeHeaderValue("text/event-stream") { CharSet = "utf-8" }, response.Content.Headers.ContentType);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body, Encoding.UTF8);

        var first = await ReadEventAsync(reader).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("alpha", first, StringComparison.Ordinal);

        var rest = new StringBuilder();
        var remaining = Task.Run(async () =>
        {
            string? line;
            while ((line = await reader.ReadLineAsync()) is not null)
            {
                rest.AppendLine(line);
            }
        });
        Assert.False(remaining.IsCompleted);
        // An advance made before the mock has armed its next delay is lost: keep advancing until the stream ends.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!remaining.IsCompleted && DateTime.UtcNow < deadline)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            await Task.WhenAny(remaining, Task.Delay(200));
        }

        await remaining.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("beta", rest.ToString(), StringComparison.Ordinal);
        Assert.Contains("gamma", rest.ToString(), StringComparison.Ordinal);
        Assert.Contains("data: [DONE]", rest.ToString(), StringComparison.Ordinal);
    }

    private static async Task<string> ReadEventAsync(StreamReader reader)
    {
        var evt = new StringBuilder();
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            if (line.Length == 0 && evt.Length > 0)
            {
                break;
            }

            evt.AppendLine(line);
        }

        return evt.ToString();
    }
}
