using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Switchboard.Api;

/// <summary>Health probes: fast, no upstream calls (unlike LiteLLM's /health, which calls every model).</summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app, GatewayServices services)
    {
        app.MapMethods("/", ["GET", "HEAD"], context => RootAsync(context));
        app.MapGet("/health", context => HealthAsync(context, services));
        app.MapGet("/health/liveliness", context => JsonStringAsync(context, "I'm alive!"));
        app.MapGet("/health/liveness", context => JsonStringAsync(context, "I'm alive!"));
        app.MapGet("/health/readiness", context => ReadinessAsync(context, services));
    }

    private static Task RootAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        return context.Response.WriteAsync("""{"name":"switchboard","description":"LLM API gateway (LiteLLM-compatible)","docs":"/health, /v1/models, /v1/chat/completions, /v1/messages"}""");
    }

    private static async Task JsonStringAsync(HttpContext context, string value)
    {
        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStringValue(value);
        await writer.FlushAsync(context.RequestAborted);
    }

    private static async Task ReadinessAsync(HttpContext context, GatewayServices services)
    {
        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("status", "healthy");
        writer.WriteString("db", services.Config.General.DatabaseUrl is null ? "sqlite" : "postgres");
        writer.WriteString("version", typeof(HealthEndpoints).Assembly.GetName().Version?.ToString() ?? "0");
        WriteSharedState(writer, services);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <remarks>
    /// Anyone may ask (load balancers probe it), but with a master key set only the master key sees where the upstreams
    /// are and which key each deployment uses (even masked, a key's fragments help nobody but an attacker). Open mode
    /// shows everything, as the rest of an open gateway does.
    /// </remarks>
    private static async Task HealthAsync(HttpContext context, GatewayServices services)
    {
        var detailed = services.Auth.IsOpenMode
            || await services.Auth.AuthenticateAsync(context.Request, context.RequestAborted) is { Caller.Kind: Auth.CallerKind.Master };
        context.Response.ContentType = "application/json";
        var status = services.Router.Snapshot();
        var deployments = status.Groups.SelectMany(g => g.Deployments).ToList();
        var healthy = deployments.Count(d => !d.CoolingDown && !d.Disabled);
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("status", healthy > 0 ? "healthy" : "degraded");
        writer.WriteNumber("healthy_count", healthy);
        writer.WriteNumber("unhealthy_count", deployments.Count - healthy);
        WriteSharedState(writer, services);
        writer.WriteStartArray("deployments");
        foreach (var deployment in deployments)
        {
            writer.WriteStartObject();
            writer.WriteString("id", deployment.Id);
            writer.WriteString("model_group", deployment.Group);
            writer.WriteString("model", deployment.Provider + "/" + deployment.Model);
            if (detailed)
            {
                writer.WriteString("api_base", deployment.ApiBase);
                writer.WriteString("api_key", deployment.MaskedKey);
            }

            writer.WriteString("state", deployment.Disabled ? "disabled" : deployment.CoolingDown ? "cooling_down" : "healthy");
            if (deployment.CoolingDown)
            {
                writer.WriteNumber("cooldown_seconds_left", Math.Round(deployment.CooldownSecondsLeft ?? 0, 1));
            }

            writer.WriteNumber("in_flight", deployment.InFlight);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// Where shared state lives: <c>local</c>, or <c>redis</c> with whether it answers now. An instance whose Redis is away
    /// still serves every call on its own state (architecture decision 6), so this degrades nothing: it says so.
    /// </summary>
    private static void WriteSharedState(Utf8JsonWriter writer, GatewayServices services)
    {
        writer.WriteStartObject("shared_state");
        writer.WriteString("backend", services.Shared.IsShared ? "redis" : "local");
        if (services.Shared.IsShared)
        {
            writer.WriteBoolean("connected", services.Shared.Connected);
        }

        writer.WriteEndObject();
    }
}
