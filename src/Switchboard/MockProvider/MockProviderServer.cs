using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Switchboard.MockProvider;

/// <summary>
/// A fault-injecting stand-in for upstream LLM providers on a real loopback socket: OpenAI and Anthropic wire formats, with
/// the behaviour chosen by the API key's prefix (see <see cref="MockKey"/>). Used by tests, the demo and the benchmarks.
/// </summary>
internal sealed partial class MockProviderServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly MockProviderOptions _options;
    private readonly TimeProvider _time;
    private long _ids;
    private int _stopped;

    private MockProviderServer(WebApplication app, MockProviderOptions options)
    {
        _app = app;
        _options = options;
        _time = options.TimeProvider;
        BaseUrl = new Uri("http://127.0.0.1/");
    }

    /// <summary>The root, e.g. <c>http://127.0.0.1:PORT</c>, without <c>/v1</c>.</summary>
    public Uri BaseUrl { get; private set; }

    public int Port { get; private set; }

    public MockStats Stats { get; } = new();

    /// <summary>The headers named in <see cref="MockProviderOptions.RecordHeaders"/> as model calls brought them, in order
    /// (a header a call did not send is left out; several values are joined with a comma).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<KeyValuePair<string, string>> RecordedHeaders { get; } = new();

    /// <summary>Binds, starts serving and returns once the socket is listening.</summary>
    /// <exception cref="IOException">The port is in use.</exception>
    public static async Task<MockProviderServer> StartAsync(MockProviderOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(Hosting.HostSetup.Options("switchboard-mock-provider"));
        // The gateway's own settings (appsettings.json, ASPNETCORE_URLS, a Kestrel section) must not add endpoints here.
        builder.Configuration.Sources.Clear();
        // Per-request logs would cost more than the answers themselves under benchmark load.
        builder.Logging.ClearProviders();
        // Tests start many servers in one process; none of them should react to Ctrl+C on its own.
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        var address = IPAddress.TryParse(options.Host, out var parsed) ? parsed : IPAddress.Loopback;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, options.Port, listen => listen.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        var server = new MockProviderServer(app, options);
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(bound);
        server.Port = uri.Port;
        server.BaseUrl = new Uri(uri.GetLeftPart(UriPartial.Authority));
        return server;
    }

    /// <summary>The CLI's <c>switchboard mock-provider --port N</c>: prints one line, then serves until cancelled.</summary>
    /// <returns>0 after a clean stop, 1 if the port could not be bound.</returns>
    public static async Task<int> RunAsync(MockProviderOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        MockProviderServer server;
        try
        {
            server = await StartAsync(options, ct);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"mock-provider: cannot listen on {options.Host}:{options.Port}: {e.Message}");
            return 1;
        }

        await using (server)
        {
            await Console.Out.WriteLineAsync($"mock-provider listening on {server.BaseUrl.GetLeftPart(UriPartial.Authority)}");
            await Console.Out.FlushAsync(ct);
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return 0;
    }

    public async Task StopAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        await _app.StopAsync(ct);
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private string NextId(string prefix) =>
        prefix + Interlocked.Increment(ref _ids).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private long UnixNow() => _time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Neither listens for console signals nor prints; the caller's token decides when the server stops.</summary>
    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
