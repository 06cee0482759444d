using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using Xunit.Abstractions;

namespace Switchboard.IntegrationTests.Hosting;

/// <summary>
/// The gateway as its own process (the runtime reads its inline-completions setting once per process): on by default,
/// off with the setting, and synchronous work after an upstream read (the token count of a cut call's large body)
/// no longer holds up the socket engine's thread that other connections wait on (architecture decision 16).
/// </summary>
public sealed class InlineCompletionsTests(ITestOutputHelper log) : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-inline-").FullName;
    private readonly StringBuilder _output = new();
    private MockProviderServer _mock = null!;
    private Process? _gateway;

    public async Task InitializeAsync() =>
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { DefaultChunks = 4 }, CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_gateway is { HasExited: false })
        {
            _gateway.Kill();
            await _gateway.WaitForExitAsync();
        }

        _gateway?.Dispose();
        await _mock.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Serve_Default_SocketCompletionsRunInline()
    {
        await StartGatewayAsync(setting: null);

        await WaitForOutputAsync("socket completions run inline");
    }

    [Fact]
    public async Task Serve_SettingOff_SocketCompletionsRunOnThreadPool()
    {
        await StartGatewayAsync(setting: "0");

        await WaitForOutputAsync("socket completions run on the thread pool");
    }

    [Fact]
    public async Task CutStream_LargeBodyCountedAfterTheCut_OtherCallsStillComplete()
    {
        var url = await StartGatewayAsync(setting: null);
        await WaitForOutputAsync("socket completions run inline");
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(120) };

        // The cut stream's answer carries no usage, so the gateway counts the input of its ~4 MB body with the tokenizer
        // (seconds of CPU) right after the upstream's last read, on the thread that read it: with inline completions,
        // a socket engine's thread, unless that count is moved to the thread pool.
        using var big = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(LargeStreamBody()) };
        using var bigResponse = await client.SendAsync(big, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, bigResponse.StatusCode);
        var bigStream = await bigResponse.Content.ReadAsStreamAsync();
        var seen = new StringBuilder();
        var buffer = new byte[4096];
        while (!seen.ToString().Contains("error", StringComparison.Ordinal))
        {
            // The gateway's error signal is written when the upstream's stream ends, before the count starts.
            var read = await bigStream.ReadAsync(buffer);
            Assert.True(read > 0, "the stream ended without an error signal: " + seen);
            seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        var bigEnded = ReadToEndAsync(bigStream);

        // Each on its own connection, so that the gateway spreads them over its socket engines (one per core with inline
        // completions): one of them would wait for the count if it ran on an engine's thread.
        for (var i = 0; i < 8; i++)
        {
            using var handler = new SocketsHttpHandler();
            using var fresh = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(120) };
            using var small = await fresh.PostAsync("/v1/chat/completions", Json("""{"model":"ok","messages":[{"role":"user","content":"hi"}]}"""));
            Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        }

        Assert.False(bigEnded.IsCompleted, "eight small calls waited for the large call's token count: " + Text());
        await bigEnded;
        log.WriteLine(Text());
    }

    private static async Task ReadToEndAsync(Stream stream)
    {
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer) > 0)
        {
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Just under the 4 MiB beyond which the gateway estimates by bytes instead of running the tokenizer.</summary>
    private static string LargeStreamBody()
    {
        var text = new StringBuilder(4_000_000);
        var words = new[] { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet" };
        for (var i = 0; text.Length < 3_900_000; i++)
        {
            text.Append(words[i % words.Length]).Append(i.ToString(CultureInfo.InvariantCulture)).Append(' ');
        }

        return $$"""{"model":"cut","stream":true,"messages":[{"role":"user","content":"{{text}}"}]}""";
    }

    private async Task<string> StartGatewayAsync(string? setting)
    {
        var config = Path.Combine(_dir, "litellm-config.yaml");
        var mockBase = _mock.BaseUrl.ToString().TrimEnd('/') + "/v1";
        await File.WriteAllTextAsync(config, $"""
            model_list:
              - model_name: cut
                litellm_params:
                  model: openai/glm-4.6
                  api_base: {mockBase}
                  api_key: cut-inline
              - model_name: ok
                litellm_params:
                  model: openai/glm-4.6
                  api_base: {mockBase}
                  api_key: ok-inline
            router_settings:
              num_retries: 0

            """);
        var port = RepoPaths.FreePort();
        var info = new ProcessStartInfo("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "switchboard.dll"), "--config", config, "--port", port.ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        info.Environment.Remove("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS");
        info.Environment.Remove("SWITCHBOARD_INLINE_COMPLETIONS");
        if (setting is not null)
        {
            info.Environment["SWITCHBOARD_INLINE_COMPLETIONS"] = setting;
        }

        _gateway = Process.Start(info)!;
        _gateway.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        _gateway.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        _gateway.BeginOutputReadLine();
        _gateway.BeginErrorReadLine();
        return $"http://127.0.0.1:{port}";
    }

    private string Text()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private async Task WaitForOutputAsync(string text)
    {
        // Polled, with a generous bound: a loaded machine starts the gateway in seconds, not minutes.
        for (var i = 0; i < 600; i++)
        {
            if (Text().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            Assert.False(_gateway!.HasExited, "the gateway exited: " + Text());
            await Task.Delay(100);
        }

        Assert.Fail($"no \"{text}\" within 60 s; gateway output:\n" + Text());
    }
}
