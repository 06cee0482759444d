using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Switchboard.Routing;
using Switchboard.Upstream;

namespace Switchboard.Telemetry;

/// <summary>
/// OpenTelemetry spans by the GenAI semantic conventions: one server span per client call (continuing the client's W3C
/// <c>traceparent</c>) and one client span per upstream attempt under it; the attempt span is the current activity while
/// the upstream request is sent, so the HTTP client carries its <c>traceparent</c> upstream. Nothing is created when no
/// exporter listens (<see cref="ActivitySource.HasListeners"/>): the hot path pays one check.
/// </summary>
internal static class GatewayTracing
{
    public const string SourceName = "Switchboard";

    public static readonly ActivitySource Source = new(SourceName, typeof(GatewayTracing).Assembly.GetName().Version?.ToString());

    public static Activity? StartCall(HttpRequest request)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var path = request.Path.Value ?? "";
        var operation = path.EndsWith("/embeddings", StringComparison.Ordinal) ? "embeddings"
            : path.EndsWith("/completions", StringComparison.Ordinal) && !path.EndsWith("/chat/completions", StringComparison.Ordinal) ? "text_completion"
            : "chat";
        ActivityContext parent = default;
        var headers = request.Headers;
        if (headers.TraceParent.ToString() is { Length: > 0 } traceparent)
        {
            ActivityContext.TryParse(traceparent, headers.TraceState.ToString(), isRemote: true, out parent);
        }

        var span = Source.StartActivity(operation, ActivityKind.Server, parent);
        span?.SetTag("gen_ai.operation.name", operation);
        span?.SetTag("http.request.method", request.Method);
        span?.SetTag("url.path", request.Path.Value);
        return span;
    }

    public static void EndCall(Activity? span, in CallFacts call)
    {
        if (span is null)
        {
            return;
        }

        if (call.RequestedModel is { } model)
        {
            span.DisplayName = span.OperationName + " " + model;
            span.SetTag("gen_ai.request.model", model);
        }

        if (call.ServedBy is { } d)
        {
            span.SetTag("gen_ai.response.model", d.Config.UpstreamModel);
            span.SetTag("gen_ai.provider.name", d.Config.Provider);
            span.SetTag("switchboard.deployment.id", d.Id);
        }

        if (call.Usage is { } usage)
        {
            span.SetTag("gen_ai.usage.input_tokens", usage.InputTokens);
            span.SetTag("gen_ai.usage.output_tokens", usage.OutputTokens);
        }

        span.SetTag("http.response.status_code", call.Status);
        span.SetTag("switchboard.call_id", call.CallId);
        span.SetTag("switchboard.model_group", call.ServedGroup ?? call.FirstGroup);
        span.SetTag("switchboard.retries", call.Retries);
        span.SetTag("switchboard.stream", call.Stream);
        if (call.Status >= 400)
        {
            span.SetTag("error.type", call.ErrorClass ?? GatewayMetrics.Status(call.Status));
            span.SetStatus(ActivityStatusCode.Error);
        }

        span.Dispose();
    }

    /// <summary>A child span for one upstream attempt; <paramref name="previous"/> is the failure that made this a retry.</summary>
    public static Activity? StartAttempt(Deployment deployment, int retry, UpstreamFailure? previous)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var span = Source.StartActivity("attempt " + deployment.Id, ActivityKind.Client);
        if (span is null)
        {
            return null;
        }

        span.SetTag("gen_ai.operation.name", "chat");
        span.SetTag("gen_ai.request.model", deployment.Config.UpstreamModel);
        span.SetTag("gen_ai.provider.name", deployment.Config.Provider);
        span.SetTag("switchboard.deployment.id", deployment.Id);
        span.SetTag("switchboard.deployment.key", deployment.MaskedKey);
        span.SetTag("switchboard.model_group", deployment.Group);
        span.SetTag("switchboard.retry", retry);
        if (previous is not null)
        {
            span.SetTag("switchboard.retry_reason", previous.Kind.ToString());
            span.SetTag("switchboard.retry_provider_code", previous.ProviderCode);
        }

        return span;
    }

    public static void AttemptFailed(Activity? span, DeploymentLease lease, UpstreamFailure failure, DateTimeOffset now)
    {
        if (span is null)
        {
            return;
        }

        span.SetTag("http.response.status_code", failure.HttpStatus);
        span.SetTag("error.type", failure.Kind.ToString());
        span.SetTag("switchboard.provider_code", failure.ProviderCode);
        DateTimeOffset? until;
        lock (lease.Group.Gate)
        {
            until = lease.Deployment.CooldownUntil;
        }

        if (until is { } end && end > now)
        {
            span.SetTag("switchboard.cooldown", true);
            span.SetTag("switchboard.cooldown_seconds", Math.Round((end - now).TotalSeconds, 3));
        }

        span.SetStatus(ActivityStatusCode.Error, failure.Kind.ToString());
    }

    public static void AttemptServed(Activity? span, int status)
    {
        span?.SetTag("http.response.status_code", status);
    }
}
