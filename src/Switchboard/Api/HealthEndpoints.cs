using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Observability;

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
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private static async Task HealthAsync(HttpContext context, GatewayServices services)
    {
        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        var deployments = services.Router.Groups.SelectMany(g => g.Deployments).ToList();
        writer.WriteStartObject();
        writer.WriteString("status", "healthy");
        writer.WriteNumber("healthy_count", deployments.Count);
        writer.WriteNumber("unhealthy_count", 0);
        writer.WriteStartArray("deployments");
        foreach (var deployment in deployments)
        {
            var config = deployment.Config;
            writer.WriteStartObject();
            writer.WriteString("id", deployment.Id);
            writer.WriteString("model_group", config.ModelName);
            writer.WriteString("model", config.Provider + "/" + config.UpstreamModel);
            writer.WriteString("api_base", config.ApiBase);
            writer.WriteString("api_key", KeyMask.Mask(config.ApiKey));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
