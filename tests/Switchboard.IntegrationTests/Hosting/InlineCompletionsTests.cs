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

    [Fact]
    public async Task LargeTranslatedBody_WorkedBeforeTheUpstreamCall_OtherConnectionsStillServed()
    {
        // Inline socket completions (the default) and Kestrel's inline scheduling (SWITCHBOARD_KESTREL_INLINE=1), so a
        // proxy call starts on the socket engine's thread that read it; a large body's skims, checks and
        // Anthropic-to-OpenAI translation (a ~40 MB body of many short messages: a second or more of CPU) must move to a
        // pool thread before they start.
        var url = await StartGatewayAsync(setting: null, kestrelInline: "1");
        await WaitForOutputAsync("socket completions run inline");
        // Six connections, open and idle before the large call: the gateway registers each socket with its socket engines in
        // turn (one per core), so some share the large call's engine, and a request on an idle connection is read on its
        // engine's thread. The first call on each also compiles the small call's path.
        var handlers = new List<SocketsHttpHandler>();
        var smallClients = new List<HttpClient>();
        for (var i = 0; i < 6; i++)
        {
            handlers.Add(new SocketsHttpHandler());
            smallClients.Add(new HttpClient(handlers[i]) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(120) });
            using var first = await smallClients[i].PostAsync("/v1/messages", Json(SmallAnthropicBody("ok")));
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(300) };
        using (var warmBig = await client.PostAsync("/v1/messages", Json(SmallAnthropicBody("big"))))
        {
            // The large call's group then has an idle upstream connection: the large call's request goes out on it as soon
            // as its translation ends, ahead of any small call that waited for that translation.
            Assert.Equal(HttpStatusCode.OK, warmBig.StatusCode);
        }

        var bigCallsBefore = _mock.Stats["ok-big-inline"].Calls;
        var content = new SentContent(Encoding.UTF8.GetBytes(LargeAnthropicBody()));
        content.Headers.ContentType = new("application/json");
        var big = client.PostAsync("/v1/messages", content);

        // Once the client has written the whole body and the kernel holds none of it for the gateway any more (the
        // connection's queues in /proc/net/tcp), the gateway has read it and the work on it has begun: the small calls then
        // meet that work, not the body's transfer, which is asynchronous and never held anyone up.
        var port = new Uri(url).Port;
        for (var i = 0; !content.Sent.Task.IsCompleted || QueuedTowardPort(port) > 0; i++)
        {
            Assert.True(i < 6000, "the gateway did not read the large body within 60 s");
            Assert.False(big.IsCompleted, "the large call ended before its body was read: " + Text());
            await Task.Delay(10);
        }

        // The ones on the large call's engine would wait for its translation if it ran there, and reach the upstream after it.
        foreach (var smallClient in smallClients)
        {
            using var small = await smallClient.PostAsync("/v1/messages", Json(SmallAnthropicBody("ok")));
            Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        }

        var reachedUpstream = _mock.Stats["ok-big-inline"].Calls - bigCallsBefore;
        using var bigResponse = await big;
        log.WriteLine(Text());
        Assert.Equal(HttpStatusCode.OK, bigResponse.StatusCode);
        Assert.True(reachedUpstream == 0, "small calls on other connections waited for the large call's translation");
        smallClients.ForEach(c => c.Dispose());
        handlers.ForEach(h => h.Dispose());
    }

    /// <summary>
    /// Bytes on their way to <paramref name="port"/> over loopback IPv4 that its owner has not read yet: the receive queues
    /// of its established connections and the send queues of their other ends (Linux's /proc/net/tcp, hexadecimal).
    /// </summary>
    private static long QueuedTowardPort(int port)
    {
        long queued = 0;
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue ...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = int.Parse(fields[1].AsSpan(fields[1].IndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var remote = int.Parse(fields[2].AsSpan(fields[2].IndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var queues = fields[4].Split(':');
            if (local == port)
            {
                queued += long.Parse(queues[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
            else if (remote == port)
            {
                queued += long.Parse(queues[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        return queued;
    }

    private static string SmallAnthropicBody(string model) =>
        $$"""{"model":"{{model}}","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}""";

    /// <summary>About 40 MB of short alternating turns: the translation's cost is per message and per block.</summary>
    private static string LargeAnthropicBody()
    {
        var body = new StringBuilder(41_000_000);
        body.Append("""{"model":"big","max_tokens":16,"messages":[""");
        for (var i = 0; body.Length < 40_000_000; i++)
        {
            body.Append(i == 0 ? "" : ",").Append(i % 2 == 0 ? """{"role":"user","content":[{"type":"text","text":"turn """ : """{"role":"assistant","content":[{"type":"text","text":"reply """)
                .Append(i.ToString(CultureInfo.InvariantCulture)).Append("\"}]}");
        }

        return body.Append("""]}""").ToString();
    }

    /// <summary>A request body that says when the client has written all of it.</summary>
    private sealed class SentContent(byte[] bytes) : HttpContent
    {
        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes);
            await stream.FlushAsync();
            Sent.TrySetResult();
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
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

    private async Task<string> StartGatewayAsync(string? setting, string? kestrelInline = null)
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
              - model_name: big
                litellm_params:
                  model: openai/glm-4.6
                  api_base: {mockBase}
                  api_key: ok-big-inline
            general_settings:
              max_request_size_mb: 64
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
        info.Environment.Remove("SWITCHBOARD_KESTREL_INLINE");
        if (setting is not null)
        {
            info.Environment["SWITCHBOARD_INLINE_COMPLETIONS"] = setting;
        }

        if (kestrelInline is not null)
        {
            info.Environment["SWITCHBOARD_KESTREL_INLINE"] = kestrelInline;
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
