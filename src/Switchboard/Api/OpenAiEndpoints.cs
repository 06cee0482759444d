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
                    (body, fields) => new OpenAiCall(body, fields, path, services.Time) { Logger = services.Logger }));
            }

            app.MapGet(prefix + "/models", context => ModelsAsync(context, services));
        }
    }

    private static async Task ModelsAsync(HttpContext context, GatewayServices services)
    {
        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        var router = services.Config.Router;
        var names = services.Config.ModelGroups.Where(n => !n.Contains('*', StringComparison.Ordinal))
            .Concat(router.ModelGroupAlias.Keys.Where(alias => !router.HiddenModelGroupAliases.Contains(alias)))
            .Distinct(StringComparer.Ordinal).ToList();
        Protocols.ModelList.Write(writer, names, "switchboard", services.Time.GetUtcNow());
        await writer.FlushAsync(context.RequestAborted);
    }
}
