using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Protocols;

namespace Switchboard.Api;

/// <summary>The OpenAI-compatible endpoints: chat completions, legacy completions, embeddings, models.</summary>
internal static class OpenAiEndpoints
{
    /// <summary>The <c>owned_by</c> of every model the gateway lists.</summary>
    private const string OwnedBy = "switchboard";

    public static void MapOpenAiEndpoints(this IEndpointRouteBuilder app, GatewayServices services)
    {
        var proxy = new ProxyEndpoint(services);
        foreach (var prefix in new[] { "/v1", string.Empty })
        {
            foreach (var path in new[] { "/chat/completions", "/completions", "/embeddings" })
            {
                app.MapPost(prefix + path, context => proxy.HandleAsync(context, ClientApi.OpenAi,
                    (body, fields) => OpenAiCall.Rent(body, fields, path, services.Time, services.Logger)))
                    .WithMetadata(Hosting.InlineEndpoint.Metadata); // may start on a socket engine's thread (architecture decision 16)
            }

            app.MapGet(prefix + "/models", context => ModelsAsync(context, services));
            // OpenAI's "retrieve model". A catch-all: a group may be named openai/gpt-4o. Gemini's routes under the same
            // path are POSTs (GeminiEndpoints), so the two never meet.
            app.MapGet(prefix + "/models/{**model:minlength(1)}", context => ModelAsync(context, services));
        }
    }

    /// <summary>
    /// The model list needs a key like every call (as in LiteLLM), and a virtual key sees only the groups it may call
    /// (its <c>models</c>); the master key and open mode see them all.
    /// </summary>
    private static async Task ModelsAsync(HttpContext context, GatewayServices services)
    {
        CallIds.Assign(context);
        if (await ApiErrors.AuthenticateOrRefuseAsync(context, services, ClientApi.OpenAi) is not { } caller)
        {
            return;
        }

        var allowed = caller.AllowedModels;
        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        var names = ModelNames.Listed(services.Config, allowed).ToList();
        Protocols.ModelList.Write(writer, names, OwnedBy, services.Time.GetUtcNow());
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// <c>GET /v1/models/{model}</c>: the entry <c>/v1/models</c> shows for that name, under the same key rules; a name the
    /// list does not show to this caller (unknown, a wildcard pattern, another key's) is OpenAI's 404 <c>model_not_found</c>.
    /// </summary>
    private static async Task ModelAsync(HttpContext context, GatewayServices services)
    {
        CallIds.Assign(context);
        if (await ApiErrors.AuthenticateOrRefuseAsync(context, services, ClientApi.OpenAi) is not { } caller)
        {
            return;
        }

        // The SDKs escape a '/' in the id (%2F), which the server leaves escaped in the path.
        var model = Uri.UnescapeDataString(context.Request.RouteValues["model"] as string ?? "");
        var allowed = caller.AllowedModels;
        if (!ModelNames.Listed(services.Config, allowed).Contains(model, StringComparer.Ordinal))
        {
            await ApiErrors.WriteAsync(context, ClientApi.OpenAi, 404,
                $"The model '{ClientText.Quote(model)}' does not exist or you do not have access to it. {ModelNames.Known(services.Config, allowed)}",
                "model_not_found", type: "invalid_request_error");
            return;
        }

        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        Protocols.ModelList.WriteModel(writer, model, OwnedBy, services.Time.GetUtcNow());
        await writer.FlushAsync(context.RequestAborted);
    }
}
