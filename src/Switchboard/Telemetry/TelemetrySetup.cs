using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Switchboard.Auth;
using Switchboard.Config;

namespace Switchboard.Telemetry;

/// <summary>Where traces go: an OTLP endpoint and its protocol; null endpoint means the SDK's own environment variables.</summary>
internal sealed record TraceExport(Uri? Endpoint, OtlpExportProtocol? Protocol);

/// <summary>Registers the trace exporter and maps <c>/metrics</c> (the two lines the host calls).</summary>
internal static class TelemetrySetup
{
    /// <summary>
    /// Traces are exported when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or <c>..._TRACES_ENDPOINT</c>, or LiteLLM's
    /// <c>OTEL_ENDPOINT</c>) is set, or <c>litellm_settings.callbacks</c> names <c>otel</c>; otherwise nothing is.
    /// </summary>
    public static TraceExport? TraceExportFor(GatewayConfig config, Uri? endpointOverride, Func<string, string?> env)
    {
        if (endpointOverride is not null)
        {
            return new TraceExport(WithTracesPath(endpointOverride), OtlpExportProtocol.HttpProtobuf);
        }

        var sdkConfigured = !string.IsNullOrEmpty(env("OTEL_EXPORTER_OTLP_ENDPOINT")) || !string.IsNullOrEmpty(env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        if (!sdkConfigured && env("OTEL_ENDPOINT") is { Length: > 0 } liteLlmEndpoint && Uri.TryCreate(liteLlmEndpoint, UriKind.Absolute, out var uri))
        {
            // LiteLLM's variables: OTEL_EXPORTER=otlp_grpc | otlp_http, OTEL_ENDPOINT=<collector>.
            var grpc = string.Equals(env("OTEL_EXPORTER"), "otlp_grpc", StringComparison.OrdinalIgnoreCase);
            return new TraceExport(grpc ? uri : WithTracesPath(uri), grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf);
        }

        var wanted = sdkConfigured || config.LiteLlm.Callbacks.Any(c => c.Equals("otel", StringComparison.OrdinalIgnoreCase) || c.Equals("opentelemetry", StringComparison.OrdinalIgnoreCase));
        return wanted ? new TraceExport(null, null) : null;
    }

    /// <summary>
    /// .NET's HttpClient makes its own span per request under the current one and sends that span's id upstream: exported
    /// too, so that the upstream's parent is in the trace (a child of the attempt span).
    /// </summary>
    private const string HttpClientSource = "System.Net.Http";

    public static void AddTracing(IServiceCollection services, TraceExport export)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "switchboard"))
            .WithTracing(tracing => tracing.AddSource(GatewayTracing.SourceName, HttpClientSource).AddOtlpExporter(otlp =>
            {
                if (export.Endpoint is not null)
                {
                    otlp.Endpoint = export.Endpoint;
                }

                if (export.Protocol is { } protocol)
                {
                    otlp.Protocol = protocol;
                }
            }));
    }

    /// <summary>
    /// <c>GET /metrics</c> on the gateway port (and on <c>metrics_port</c> when set, where nothing else answers).
    /// With <c>require_auth_for_metrics_endpoint</c> a valid key (master or virtual) is needed, as in LiteLLM.
    /// </summary>
    public static void MapMetrics(WebApplication app, GatewayMetrics metrics, GatewayConfig config)
    {
        if (config.General.MetricsPort is { } metricsPort)
        {
            app.Use((context, next) =>
            {
                if (context.Connection.LocalPort == metricsPort && !context.Request.Path.Equals("/metrics", StringComparison.Ordinal))
                {
                    context.Response.StatusCode = 404;
                    return Task.CompletedTask;
                }

                return next(context);
            });
        }

        var requireAuth = config.LiteLlm.RequireAuthForMetricsEndpoint;
        ((IEndpointRouteBuilder)app).MapGet("/metrics", context => ServeAsync(context, metrics, requireAuth));
    }

    private static async Task ServeAsync(HttpContext context, GatewayMetrics metrics, bool requireAuth)
    {
        if (requireAuth)
        {
            var auth = context.RequestServices.GetRequiredService<AuthService>();
            var result = await auth.AuthenticateAsync(context.Request, context.RequestAborted);
            if (!result.Succeeded)
            {
                await AdminAuth.WriteErrorAsync(context, result.StatusCode, result.Error ?? "Unauthorized.", "authentication_error", "invalid_api_key");
                return;
            }
        }

        var openMetrics = PrometheusText.WantsOpenMetrics(context.Request.Headers.Accept.ToString());
        context.Response.ContentType = openMetrics ? PrometheusText.OpenMetricsContentType : PrometheusText.TextContentType;
        await context.Response.WriteAsync(metrics.Scrape(openMetrics), context.RequestAborted);
    }

    private static Uri WithTracesPath(Uri uri) =>
        uri.AbsolutePath is "" or "/" ? new Uri(uri, "/v1/traces") : uri;
}
