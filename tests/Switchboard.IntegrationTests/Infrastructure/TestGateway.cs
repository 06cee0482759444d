using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Api;
using Switchboard.Config;
using Switchboard.Storage;

namespace Switchboard.IntegrationTests.Infrastructure;

/// <summary>A real gateway on a loopback socket (port 0), with its log lines captured for assertions.</summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly string _databasePath;

    private TestGateway(WebApplication app, Uri baseUrl, CapturingLoggerProvider logs, string databasePath)
    {
        _app = app;
        _databasePath = databasePath;
        BaseUrl = baseUrl;
        Logs = logs;
        Client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseUrl { get; }

    public HttpClient Client { get; }

    public CapturingLoggerProvider Logs { get; }

    internal GatewayServices Services => _app.Services.GetRequiredService<GatewayServices>();

    internal WebApplication App => _app;

    public static async Task<TestGateway> StartAsync(GatewayConfig config, TimeProvider? time = null, string? databasePath = null,
        TimeSpan? modelPollInterval = null, bool warmUpRefusals = false)
    {
        var logs = new CapturingLoggerProvider();
        databasePath ??= Path.Combine(Path.GetTempPath(), "switchboard-test-" + Guid.NewGuid().ToString("N") + ".db");
        var app = await GatewayHost.BuildAsync(config,
            new GatewayOptions
            {
                Host = "127.0.0.1",
                Port = 0,
                Time = time ?? TimeProvider.System,
                DatabasePath = databasePath,
                ModelPollInterval = modelPollInterval ?? TimeSpan.FromSeconds(5),
                WarmUpRefusals = warmUpRefusals,
            },
            logging => logging.AddProvider(logs));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestGateway(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)), logs, databasePath);
    }

    public string DatabasePath => _databasePath;

    /// <summary>
    /// The one usage row the store holds, polled for up to 15 s (usage is written after the answer has gone out);
    /// fails when none appears in time or when there is more than one.
    /// </summary>
    internal async Task<UsageRecord> OneUsageRowAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var page = await Services.Store.QueryUsageAsync(new UsageQuery(), CancellationToken.None);
            if (page.Items.Count > 0)
            {
                return Assert.Single(page.Items);
            }

            Assert.True(DateTime.UtcNow < deadline, "no usage row within 15 s");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_databasePath + suffix);
        }
    }
}

/// <summary>Keeps every formatted log line so tests can check what the gateway logged (and that keys are masked).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.GetType().Name)}");
    }
}
