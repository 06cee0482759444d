using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Admin;
using Switchboard.Config;
using Switchboard.Dashboard;
using Switchboard.Protocols;
using Switchboard.Storage;
using Switchboard.Usage;

namespace Switchboard.Api;

/// <summary>Options of one gateway process beyond the config file (from the CLI).</summary>
internal sealed record GatewayOptions
{
    public string Host { get; init; } = "0.0.0.0";
    public int Port { get; init; } = 4000;
    public bool DetailedDebug { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The SQLite file when no database_url is set; default: switchboard.db beside the config file.</summary>
    public string? DatabasePath { get; init; }

    /// <summary>Reload the config when its file changes (when it came from a file).</summary>
    public bool WatchConfig { get; init; } = true;

    /// <summary>Reload the config on SIGHUP: process-wide, so only for the serving process.</summary>
    public bool ReloadOnSighup { get; init; }

    /// <summary>One full collection when the gateway goes quiet after a burst (Hosting/QuietCollection): the GC is
    /// process-wide, so only for the serving process.</summary>
    public bool CollectWhenQuiet { get; init; }

    /// <summary>
    /// The refusal path's warm-up after the gateway listens (<see cref="RefusalWarmUp"/>; off with
    /// <c>SWITCHBOARD_WARMUP=0</c>): for the serving process, whose ReadyToRun code makes it a few milliseconds of work. A
    /// gateway built inside another process (tests, the in-process benches) runs JIT-compiled code, where the warm-up
    /// JIT-compiles all it runs beside the gateway's first calls, and only warms up when asked.
    /// </summary>
    public bool WarmUpRefusals { get; init; }

    /// <summary>
    /// The HTTPS certificate (PEM; LiteLLM's <c>--ssl_certfile_path</c>, else <c>general_settings.ssl_certfile_path</c>),
    /// with <see cref="SslKeyfilePath"/>. Set: the gateway serves HTTPS only, HTTP/1.1 and HTTP/2 chosen by ALPN.
    /// </summary>
    public string? SslCertfilePath { get; init; }

    public string? SslKeyfilePath { get; init; }

    /// <summary>How often the stored deployments' version row is read (store_model_in_db; without Redis the only way to learn of another instance's change).</summary>
    public TimeSpan ModelPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>An OTLP/HTTP collector base URL for traces, over the environment's (tests).</summary>
    public Uri? TracesEndpoint { get; init; }
}

/// <summary>Builds and runs the gateway web application from a config snapshot.</summary>
internal static class GatewayHost
{
    /// <summary>The start-up line of the GC settings in effect and whether the collection when quiet is on.</summary>
    public static void LogMemorySettings(ILogger logger, GatewayOptions options) =>
        Log.MemorySettings(logger, Hosting.GcSettings.Mode(), Hosting.GcSettings.Gen0Budget(), options.CollectWhenQuiet ? "on" : "off",
            Hosting.GcSettings.WriteXorExecute());

    public static async Task<WebApplication> BuildAsync(GatewayConfig config, GatewayOptions options, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(Hosting.HostSetup.Options("switchboard"));
        var certificate = TlsCertificate.Load(options.SslCertfilePath ?? config.General.SslCertfilePath, options.SslKeyfilePath ?? config.General.SslKeyfilePath);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // The gateway enforces its own body limit so that the answer is a JSON error in the caller's format.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = false;
            kestrel.Listen(ParseHost(options.Host), options.Port, listen =>
            {
                // HTTP/2 needs TLS (ALPN) here: without a certificate Kestrel would serve HTTP/1.1 anyway, after logging a
                // warning at every start (the console formatter's first use, on the start-up path: issue 13).
                listen.Protocols = certificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
            if (config.General.MetricsPort is { } metricsPort && !config.General.DisableMetrics)
            {
                kestrel.Listen(ParseHost(options.Host), metricsPort);
            }
        });
        // Kestrel's inline scheduling, SWITCHBOARD_KESTREL_INLINE=1, off by default (architecture decision 16): when on, only
        // the proxy endpoints start on the thread that read the request; InlineEndpoint.HopUnlessInline moves the others.
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>(sockets =>
            sockets.UnsafePreferInlineScheduling = Hosting.InlineCompletions.KestrelInlineScheduling(Environment.GetEnvironmentVariable));
        builder.Logging.ClearProviders();
        if (logging is not null)
        {
            logging(builder.Logging);
        }
        else
        {
            Observability.ConsoleLogs.Add(builder.Logging, config.LiteLlm.JsonLogs);
            Observability.BufferedConsoleOutput.Current?.ConfigureRotation(null, config.General.LogMaxSizeMb, config.General.LogMaxSizeMb is null ? null : config.General.LogMaxFiles);
        }

        builder.Logging.SetMinimumLevel(options.DetailedDebug || config.LiteLlm.SetVerbose ? LogLevel.Debug : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Hosting starts an Activity for every request whenever its own logger is enabled at any level (for log scopes),
        // and HttpClient then starts a child for the upstream call: ~1.3 KB and two AsyncLocal writes per call that
        // nothing read (measured with dotnet-trace, docs/benchmarks.md). Its only messages are request start/finish.
        // Traces, when configured, come from Switchboard's own ActivitySource and are unaffected.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Services.AddSingleton(options.Time);
        builder.Services.AddSingleton(config);
        var databaseUrl = config.General.DatabaseUrl ?? Environment.GetEnvironmentVariable("DATABASE_URL");
        var sqlitePath = options.DatabasePath ?? DefaultDatabasePath(config);
        IGatewayStore store;
        try
        {
            store = GatewayStoreFactory.Create(databaseUrl, sqlitePath);
        }
        catch (Exception e) when (StoreUnavailableException.IsStoreFailure(e))
        {
            throw StoreUnavailable(databaseUrl, sqlitePath, e);
        }

        // The schema check (SQLite's first open, its native library, the migrations) runs on the thread pool while the
        // host is built, and is awaited before anything reads the store (the stored deployments below) and before the
        // port is opened: no call can come before the schema is in place (issue 13, start to first answer).
        var migrated = Task.Run(() => store.MigrateAsync(CancellationToken.None));
        // Made by a factory so that the container disposes it (an instance given to it is not), after the usage sink
        // that depends on it has drained (reverse order of creation): the SQLite file is closed and its WAL checkpointed.
        builder.Services.AddSingleton<IGatewayStore>(_ => store);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = config.General.GracefulShutdown);
        builder.Services.AddSingleton<UsageSink>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UsageSink>());
        // Registered after the sink so that it stops before it: aborted calls queue their records, then the sink drains.
        builder.Services.AddSingleton<CallTracker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CallTracker>());
        if (options.CollectWhenQuiet)
        {
            builder.Services.AddHostedService(sp =>
            {
                var calls = sp.GetRequiredService<CallTracker>();
                return new Hosting.QuietCollection(options.Time, () => calls.Started, () => calls.InFlight, Hosting.RuntimeHeapControl.Instance,
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger("Switchboard.Memory"));
            });
        }
        builder.Services.AddSingleton(sp => new GatewayServices(config, options.Time, sp.GetRequiredService<ILoggerFactory>(), store, sp.GetRequiredService<UsageSink>())
        {
            Calls = sp.GetRequiredService<CallTracker>(),
            RequestLog = Observability.RequestLog.Create(sp, GatewayServices.LogCategory, Observability.BufferedConsoleOutput.Current),
        });
        builder.Services.AddSingleton(sp => sp.GetRequiredService<GatewayServices>().Auth);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<GatewayServices>().Admission);
        builder.Services.AddDashboard();
        builder.Services.AddSingleton<RefusalWarmUp>();

        if (Telemetry.TelemetrySetup.TraceExportFor(config, options.TracesEndpoint, Environment.GetEnvironmentVariable) is { } traces)
        {
            Telemetry.TelemetrySetup.AddTracing(builder.Services, traces);
        }

        WebApplication app;
        try
        {
            app = builder.Build();
        }
        catch
        {
            await migrated.ContinueWith(_ => { }, TaskScheduler.Default);
            await store.DisposeAsync();
            throw;
        }

        GatewayServices services;
        try
        {
            try
            {
                await migrated;
            }
            catch (Exception e) when (StoreUnavailableException.IsStoreFailure(e))
            {
                throw StoreUnavailable(databaseUrl, sqlitePath, e);
            }

            services = app.Services.GetRequiredService<GatewayServices>();
            // Before the first call: stored deployments that cannot be decrypted stop the start (StoredModelsException).
            await services.Models.StartAsync(options.ModelPollInterval, CancellationToken.None);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        // What UseExceptionHandler + UseStatusCodePages did, in one middleware without their per-request feature objects and
        // items dictionary (~250 B per call, docs/benchmarks.md "Allocation budgets").
        app.Use(ErrorPages);
        app.Use(Hosting.InlineEndpoint.HopUnlessInline);
        if (services.Telemetry.Metrics is { } metrics)
        {
            Telemetry.TelemetrySetup.MapMetrics(app, metrics, config);
        }

        app.MapHealthEndpoints(services);
        app.MapOpenAiEndpoints(services);
        app.MapAnthropicEndpoints(services);
        app.MapResponsesEndpoints(services);

        app.MapGeminiEndpoints(services);
        // Read per request: a reload (or /model/new) brings keys the redactor captured at start would not mask.
        app.MapRouterStatusEndpoints(services.Router, () => services.Secrets, services.Models.IsStored);
        Models.ModelEndpoints.MapModelEndpoints(app, services.Models);
        app.MapDeploymentEndpoints(services.Router);
        app.MapKeyManagementEndpoints();
        app.MapSpendEndpoints();
        ConfigReload.MapEndpoint(app, services);
        CacheStep.MapEndpoints(app, services);
        if (options.WatchConfig)
        {
            services.Reload.WatchFile(options.Time);
        }

        if (options.ReloadOnSighup)
        {
            services.Reload.ReloadOnSighup();
        }

        app.MapDashboard(services.Router, () => services.Secrets, config.General.MasterKey);
        if (options.WarmUpRefusals && RefusalWarmUp.Enabled(Environment.GetEnvironmentVariable))
        {
            // The refusal path once, off the request path, after the port is open: a fresh gateway's first 429 as fast as
            // the next ones, and no delay to its first answer (issue 12; docs/pool-efficiency.md).
            var warmUp = app.Services.GetRequiredService<RefusalWarmUp>();
            app.Lifetime.ApplicationStarted.Register(warmUp.Start);
        }

        return app;
    }

    /// <summary>One line for the operator instead of the driver's stack trace; the password stays out of it.</summary>
    private static StoreUnavailableException StoreUnavailable(string? databaseUrl, string sqlitePath, Exception e) =>
        new($"cannot open the usage database ({GatewayStoreFactory.DescribeForPeople(databaseUrl, sqlitePath)}): {e.Message} "
            + "Check general_settings.database_url (or DATABASE_URL) and that the database is up.", e);

    private static string DefaultDatabasePath(GatewayConfig config) =>
        Path.Combine(config.SourcePath is { } source ? Path.GetDirectoryName(Path.GetFullPath(source))! : Directory.GetCurrentDirectory(), "switchboard.db");

    private static System.Net.IPAddress ParseHost(string host) => host switch
    {
        "localhost" => System.Net.IPAddress.Loopback,
        "0.0.0.0" or "*" or "" => System.Net.IPAddress.Any,
        "::" => System.Net.IPAddress.IPv6Any,
        _ => System.Net.IPAddress.Parse(host),
    };

    private static ClientApi ApiOf(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/v1/messages") ? ClientApi.Anthropic
        : context.Request.Path.StartsWithSegments("/v1/responses") || context.Request.Path.StartsWithSegments("/responses") ? ClientApi.Responses
        : GeminiEndpoints.Owns(context.Request) ? ClientApi.Gemini
        : ClientApi.OpenAi;

    /// <summary>
    /// Unhandled exceptions become the API's JSON error (500, or Kestrel's status for a body it could not read), and a
    /// bare 4xx/5xx without a body (404, 405 from routing) gets one, as the framework's exception handler and status-code
    /// pages did with the handlers below. A response already started cannot be replaced: the exception goes on to the
    /// server, which aborts it; a client that hung up gets 499 and nothing is written.
    /// </summary>
    internal static Task ErrorPages(HttpContext context, RequestDelegate next)
    {
        Task pending;
        try
        {
            pending = next(context);
        }
        catch (Exception ex)
        {
            pending = Task.FromException(ex);
        }

        return pending.IsCompletedSuccessfully ? StatusCodePageIfBareAsync(context) : AwaitErrorPagesAsync(context, pending);
    }

    private static async Task AwaitErrorPagesAsync(HttpContext context, Task pending)
    {
        try
        {
            await pending;
        }
        catch (Exception error) when (!context.Response.HasStarted)
        {
            if (error is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
            {
                context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
                return;
            }

            context.Response.Clear();
            var headers = context.Response.Headers;
            headers.CacheControl = "no-cache,no-store";
            headers.Pragma = "no-cache";
            headers.Expires = "-1";
            context.SetEndpoint(null);
            await HandleExceptionAsync(context, error);
            return;
        }

        await StatusCodePageIfBareAsync(context);
    }

    private static Task StatusCodePageIfBareAsync(HttpContext context)
    {
        var response = context.Response;
        return response.HasStarted || response.StatusCode is < 400 or >= 600 || response.ContentLength.HasValue || !string.IsNullOrEmpty(response.ContentType)
            ? Task.CompletedTask
            : StatusCodePageAsync(context);
    }

    private static Task HandleExceptionAsync(HttpContext context, Exception error)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(GatewayServices.LogCategory);
        // Kestrel's own verdict on a body it could not read (bad chunked framing, a body shorter than its
        // Content-Length, a client too slow): the client's fault, answered with Kestrel's status, never a 500.
        if (error is Microsoft.AspNetCore.Http.BadHttpRequestException bad)
        {
            return ApiErrors.WriteAsync(context, ApiOf(context), bad.StatusCode, "The request could not be read: " + ClientText.Quote(bad.Message));
        }

        Log.Unhandled(logger, error, context.Request.Path, CallIds.Of(context));

        return ApiErrors.WriteAsync(context, ApiOf(context), 500, "Internal error in Switchboard; see the gateway log for details.");
    }

    private static Task StatusCodePageAsync(HttpContext context)
    {
        var code = context.Response.StatusCode;
        var message = code switch
        {
            404 => $"Unknown path {ClientText.Quote(context.Request.Path.Value)}. OpenAI endpoints live under /v1 (/v1/chat/completions, /v1/models, /v1/embeddings); Anthropic under /v1/messages.",
            405 => $"Method {ClientText.Quote(context.Request.Method)} is not allowed on {ClientText.Quote(context.Request.Path.Value)}.",
            _ => $"HTTP {code}",
        };
        return ApiErrors.WriteAsync(context, ApiOf(context), code, message);
    }
}
