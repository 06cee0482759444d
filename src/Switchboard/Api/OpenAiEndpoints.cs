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
                    (body, fields) => OpenAiCall.Rent(body, fields, path, services.Time, services.Logger)))
                    .WithMetadata(Hosting.InlineEndpoint.Metadata); // may start on a socket engine's thread (architecture decision 16)
            }

            app.MapGet(prefix + "/models", context => ModelsAsync(context, services));
        }
    }

    /// <summary>
    /// The model list needs a key like every call (as in LiteLLM), and a virtual key sees only the groups it may call
    /// (its <c>models</c>); the master key and open mode see them all.
    /// </summary>
    private static async Task ModelsAsync(HttpContext context, GatewayServices services)
    {
        CallIds.Assign(context);
        var auth = await services.Auth.AuthenticateAsync(context.Request, context.RequestAborted);
        if (!auth.Succeeded)
        {
            await ApiErrors.WriteAsync(context, ClientApi.OpenAi, auth.StatusCode, auth.Error ?? "Invalid API key.", "invalid_api_key");
            return;
        }

        var allowed = auth.Caller!.AllowedModels;
        context.Response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        var names = ModelNames.Listed(services.Config, allowed).ToList();
        Protocols.ModelList.Write(writer, names, "switchboard", services.Time.GetUtcNow());
        await writer.FlushAsync(context.RequestAborted);
    }
}
