using System.Net.Http.Headers;
using System.Text;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Api;

/// <summary>An upstream whose one event never ends (no blank line) fails the call at <c>max_sse_event_bytes</c> with the
/// protocol's error event, in every relay path, instead of growing the gateway's buffer without bound.</summary>
public sealed class SseEventCapTests : IAsyncLifetime
{
    private MockProviderServer _mock = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { Port = 0 }, CancellationToken.None);
        _gateway = await TestGateway.StartAsync(new GatewayConfig
        {
            ModelList =
            [
                Configs.Http("endless-openai", "e-o", _mock.BaseUrl, "endless-openai-key-1"),
                Configs.Http("endless-anthropic", "e-a", _mock.BaseUrl, "endless-anthropic-key-1", provider: "anthropic", index: 1),
            ],
            General = new GeneralSettings { MaxSseEventBytes = 256 * 1024 },
            Router = new RouterSettings { NumRetries = 0 },
        });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _mock.DisposeAsync();
    }

    [Theory]
    [InlineData("/v1/chat/completions", "endless-openai")]
    [InlineData("/v1/chat/completions", "endless-anthropic")]
    [InlineData("/v1/messages", "endless-openai")]
    [InlineData("/v1/messages", "endless-anthropic")]
    public async Task Stream_EndlessEvent_EndsWithAnErrorEventAtTheCap(string path, string group)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent($$"""{"model":"{{group}}","stream":true,"max_tokens":50,"messages":[{"role":"user","content":"hi"}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var response = await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var body = await response.Content.ReadAsStringAsync(cts.Token);

        // Either the stream had started (an error event) or not (an error answer); never a hang, never a success.
        Assert.Contains("error", body, StringComparison.Ordinal);
        Assert.True(body.Length < 64 * 1024, $"the gateway passed on {body.Length} bytes of the endless event");
        var status = await _gateway.Client.GetStringAsync("/router/status", cts.Token);
        Assert.Contains("\"last_error\":\"Retryable", status, StringComparison.Ordinal);
        Assert.Contains("max_sse_event_bytes", string.Join("\n", _gateway.Logs.Lines) + status, StringComparison.Ordinal);
    }
}
