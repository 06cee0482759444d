using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Switchboard.Config;
using Switchboard.Observability;
using Switchboard.Protocols;
using Switchboard.Routing;
using Switchboard.Telemetry;
using Switchboard.Upstream;

namespace Switchboard.Api;

/// <summary>
/// Runs the refusal path once, off the request path, right after the gateway listens, so that a fresh process's first
/// client 429 does not pay for it (issue 12, "every client 429 within 10 ms"; docs/pool-efficiency.md, "The first 429 of a
/// fresh gateway"). What the ReadyToRun image does not hold is compiled then by the JIT: generic instantiations of the
/// framework over value types (the error writer's <c>ValueTask&lt;FlushResult&gt;.AsTask</c>, the logging of a
/// <c>double</c>, the metrics' tuple keys, the error body's read), and every type and R2R method met for the first time
/// is loaded and bound. Measured (gateway's duration_ms, ReadyToRun): the router's first 429 2.2 ms without it, 0.7 ms
/// with it; after an upstream refusal 10–49 ms without, 1.8–4.5 ms with (the next ones: 0.3–0.5 ms).
/// <para>It leaves no trace: a private <see cref="Router"/> over a private group whose deployments are never called, its
/// own <see cref="GatewayMetrics"/> (never exposed), the error writers into a throwaway context whose body goes nowhere,
/// the router's log events to a logger that only formats them (the gateway's console formatters into a throwaway
/// writer, its console loggers at <see cref="LogLevel.None"/>, which they never write). Nothing reaches the real router,
/// the usage sink, the metrics, the request log or the console. It never throws into the host: any failure is
/// swallowed (the cost is only a colder first 429). <c>SWITCHBOARD_WARMUP=0</c> turns it off (to measure the cold
/// path).</para>
/// </summary>
internal sealed class RefusalWarmUp(IEnumerable<ConsoleFormatter> formatters, IEnumerable<ILoggerProvider> providers)
{
    /// <summary>The private group's name: never one of the gateway's (it lives only in the private router).</summary>
    internal const string GroupName = "switchboard-refusal-warm-up";

    private const string RateLimitedBody = """{"error":{"code":"1303","message":"Rate limit reached for requests"}}""";
    private readonly ConsoleFormatter[] _formatters = [.. formatters];
    private readonly ConsoleLoggerProvider[] _consoles = [.. providers.OfType<ConsoleLoggerProvider>()];
    private Task<bool> _run = Task.FromResult(false);
    private int _started;

    /// <summary>The run started by <see cref="Start"/>: true when it went to the end, false when off, not started or failed.</summary>
    public Task<bool> Completion => _run;

    /// <summary>Whether the environment leaves it on (anything but <c>SWITCHBOARD_WARMUP=0</c>).</summary>
    public static bool Enabled(Func<string, string?> environment) => environment("SWITCHBOARD_WARMUP") != "0";

    /// <summary>Starts the run on the thread pool and returns at once; only the first call does anything.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _run = Task.Run(RunAsync);
        }
    }

    /// <summary>One run; never throws.</summary>
    internal async Task<bool> RunAsync()
    {
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var loggers = new LoggerFactory([new FormatOnlyLoggerProvider(_formatters, _consoles)]);
            await RouterPathAsync(loggers.CreateLogger<Router>(), bound.Token);
            return true;
        }
        catch (Exception)
        {
            // A warm-up that fails costs only a colder first 429; it must never reach the host.
            return false;
        }
    }

    private static async Task RouterPathAsync(ILogger<Router> logger, CancellationToken ct)
    {
        // Two deployments in one private group, each with rpm 1: the first call takes one and is refused for its rate, the
        // second takes the other and uses its minute; then the spent-window 429 and the router's paced 429.
        // The api_base is never called: nothing here sends anything. Its own clock: the router is private.
        var config = new GatewayConfig
        {
            ModelList =
            [
                Deployment(0, "a"),
                Deployment(1, "b"),
            ],
            Router = new RouterSettings { AdaptiveLimits = true },
        };
        var router = new Router(config, TimeProvider.System, logger);
        var group = router.ResolveGroup(GroupName) ?? throw new InvalidOperationException("warm-up group missing");
        var now = DateTimeOffset.UtcNow;

        // The upstream's refusal, read and classified as the attempt loop does (Z.ai 1303 in a 429, no headers), from memory.
        UpstreamFailure failure;
        await using (var answer = new UpstreamResponse(429, new MemoryStream(Encoding.UTF8.GetBytes(RateLimitedBody))))
        {
            var body = await answer.ReadAllAsync(64 * 1024, ct);
            failure = FailureClassifier.Classify("openai", answer.StatusCode, answer.Header, body, now);
        }

        // Its own metrics over the private router (never exposed): the cells and keys the refusal's counters use.
        var metrics = new GatewayMetrics(router, null, static _ => null, TimeProvider.System);
        var tried = new HashSet<string>(StringComparer.Ordinal);
        var first = await router.AcquireAsync(group, new RouteRequest(null, null, 0), ct);
        if (first.Lease is { } refused)
        {
            using (refused)
            {
                _ = $"{failure.Kind}:{failure.ProviderCode}";
                router.ReportFailure(refused, failure);
                metrics.AttemptFailed(refused, GroupName, failure);
                metrics.AttemptFailed(refused, GroupName, failure);
                tried.Add(refused.Deployment.Id);
                Routing.Log.Retrying(logger, GroupName, refused.Deployment.Id, refused.Deployment.Id, "warm-up");
                Routing.Log.CooldownEnded(logger, refused.Deployment.Id, "warm-up", GroupName, "warm-up");
            }
        }

        var second = await router.AcquireAsync(group, new RouteRequest(tried, null, 0) { Admitted = true }, ct);
        if (second.Lease is { } served)
        {
            using (served)
            {
                router.ReportSuccess(served, new AttemptOutcome(TimeSpan.FromMilliseconds(1), null, 1, 1, null, null));
            }
        }

        // Both keys spent now (one refused, one at its rpm): the spent-window answer, then the router's paced one.
        var spent = router.SpentForWindow(group, failure, tried);
        var paced = await router.AcquireAsync(group, new RouteRequest(null, null, 0), ct);
        var servedBy = group.Deployments[0];
        foreach (var status in new[] { 200, 429, 429 })
        {
            metrics.CallStarted();
            metrics.CallEnded(new CallFacts
            {
                Route = "/v1/chat/completions",
                Status = status,
                RequestedModel = GroupName,
                FirstGroup = GroupName,
                ServedBy = status == 200 ? servedBy : null,
                ServedGroup = status == 200 ? GroupName : null,
                ErrorClass = status == 200 ? null : $"{failure.Kind}:{failure.ProviderCode}",
                Total = TimeSpan.FromMilliseconds(1),
            });
        }
        if (spent is null || paced.Success)
        {
            // The private router no longer refuses as the real one would: the warm-up would warm nothing (a test sees it).
            throw new InvalidOperationException("the warm-up's private router did not refuse");
        }

        await ErrorWritersAsync(group, spent, failure, ct);
        await ErrorWritersAsync(group, paced, failure, ct);
    }

    private static DeploymentConfig Deployment(int index, string name) => new()
    {
        Index = index,
        ModelName = GroupName,
        Id = GroupName + "-" + name,
        Provider = "openai",
        UpstreamModel = "warm-up",
        ApiBase = "http://127.0.0.1:9/v1",
        ApiKey = "warm-up-" + name,
        Rpm = 1,
    };

    /// <summary>The 429 in each client API's shape, as the attempt loop writes it, into a context whose body goes nowhere.</summary>
    private static async Task ErrorWritersAsync(ModelGroup group, RouteDecision decision, UpstreamFailure failure, CancellationToken ct)
    {
        foreach (var api in new[] { ClientApi.OpenAi, ClientApi.Anthropic, ClientApi.Responses, ClientApi.Gemini })
        {
            ct.ThrowIfCancellationRequested();
            var context = new DefaultHttpContext();
            context.Response.Body = Stream.Null;
            var call = new CallState { CallId = "warm-up", RequestedModel = group.Name, StartTimestamp = 0 };
            await AttemptLoop.WriteExhaustedAsync(context, api, group, call, failure, decision, new AttemptLoop.FailureHistory(), SecretRedactor.Empty);

            var upstream = new DefaultHttpContext();
            upstream.Response.Body = Stream.Null;
            await ApiErrors.WriteAsync(upstream, api, failure.HttpStatus, ClientText.Quote(failure.Message), failure.ProviderCode, retryAfter: failure.RetryAfter,
                shouldRetry: false);
        }
    }

    /// <summary>
    /// A logger for the private router: every event is formatted (the message template, and the gateway's console
    /// formatters into a throwaway writer) and handed to the gateway's console loggers at <see cref="LogLevel.None"/>, which
    /// they never write (their own check, before anything else) but which compiles their generic entry for the event's
    /// type; nothing is written anywhere.
    /// </summary>
    private sealed class FormatOnlyLoggerProvider(ConsoleFormatter[] formatters, ConsoleLoggerProvider[] consoles) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) =>
            new FormatOnlyLogger(formatters, [.. consoles.Select(console => console.CreateLogger(categoryName))], categoryName);

        public void Dispose()
        {
        }

        private sealed class FormatOnlyLogger(ConsoleFormatter[] formatters, ILogger[] consoles, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                _ = formatter(state, exception);
                foreach (var console in formatters)
                {
                    using var sink = new StringWriter(CultureInfo.InvariantCulture);
                    console.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), null, sink);
                }

                foreach (var console in consoles)
                {
                    console.Log(LogLevel.None, eventId, state, exception, formatter);
                }
            }
        }
    }
}
