using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Switchboard.Api;

/// <summary>The OpenAI-compatible endpoints: chat completions, legacy completions, embeddings, models.</summary>
internal static class OpenAiEndpoints
{
    public static void MapOpenAiEndpoints(this IEndpointRouteBuilder app, GatewayServices services)
    {
        var proxy = new ProxyEndpoint(services);
        foreach (var prefix in new[] { "/v1", string.Empty })
        {
            foreach (var path in new[] { "/chat/completions", "/completions", "/embeddings" })
            {
                app.MapPost(prefix + path, context => proxy.HandleAsync(context, ClientApi.OpenAi,
                    (body, fields) => new OpenAiCall(body, fields, path, services.Time)));
            }

            app.MapGet(prefix + "/models", context => ModelsAsync(context, services));
        }
    }

    private static async Task ModelsAsync(HttpContext context, GatewayServices services)
    {
        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        var names = services.Config.ModelGroups.Where(n => !n.Contains('*', StringComparison.Ordinal))
            .Concat(services.Config.Router.ModelGroupAlias.Keys).Distinct(StringComparer.Ordinal);
        foreach (var name in names)
        {
            writer.WriteStartObject();
            writer.WriteString("id", name);
            writer.WriteString("object", "model");
            writer.WriteNumber("created", 1_700_000_000);
            writer.WriteString("owned_by", "switchboard");
            writer.WriteString("type", "model");
            writer.WriteString("display_name", name);
            writer.WriteString("created_at", "2023-11-14T22:13:20Z");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteBoolean("has_more", false);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
