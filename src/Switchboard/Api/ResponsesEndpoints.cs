using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Protocols;
using Switchboard.Translation;
using Switchboard.Translation.Responses;

namespace Switchboard.Api;

/// <summary>
/// The OpenAI Responses API (what Codex CLI speaks): <c>POST /v1/responses</c> onto any pool, and <c>GET</c> /
/// <c>DELETE /v1/responses/{id}</c> for stored responses; also without <c>/v1</c>.
/// </summary>
internal static class ResponsesEndpoints
{
    public static void MapResponsesEndpoints(this IEndpointRouteBuilder app, GatewayServices services)
    {
        var proxy = new ProxyEndpoint(services);
        var store = new ResponseStore(services.Time);
        foreach (var prefix in new[] { "/v1", string.Empty })
        {
            app.MapPost(prefix + "/responses", context => proxy.HandleAsync(context, ClientApi.Responses,
                (body, fields) => Create(context, body, fields, store, services)));
            app.MapGet(prefix + "/responses/{id}", context => StoredAsync(context, services, store, delete: false));
            app.MapDelete(prefix + "/responses/{id}", context => StoredAsync(context, services, store, delete: true));
        }
    }

    private static ResponsesCall Create(HttpContext context, RequestBody body, RoutingFields fields, ResponseStore store, GatewayServices services)
    {
        var owner = OwnerOf(context);
        byte[] history = [];
        if (ResponsesRequestTranslator.PreviousResponseId(body.Span) is { } previous
            && !store.TryGet(previous, owner, out _, out history))
        {
            // OpenAI's answer to an id it does not know (or that another key created, or that has expired).
            throw new TranslationException($"Previous response with id '{ClientText.Quote(previous, 128)}' not found.");
        }

        return new ResponsesCall(body, fields, store, owner, history, services.Time) { Logger = services.Logger };
    }

    /// <summary>Authenticated like every call; a response is found only with the key that created it.</summary>
    private static async Task StoredAsync(HttpContext context, GatewayServices services, ResponseStore store, bool delete)
    {
        CallIds.Assign(context);
        if (await ApiErrors.AuthenticateOrRefuseAsync(context, services, ClientApi.Responses) is null)
        {
            return;
        }

        var id = context.Request.RouteValues["id"] as string ?? "";
        var owner = OwnerOf(context);
        byte[] response = [];
        if (delete ? !store.Remove(id, owner) : !store.TryGet(id, owner, out response, out _))
        {
            await ApiErrors.WriteAsync(context, ClientApi.Responses, 404, $"Response with id '{ClientText.Quote(id, 128)}' not found.", "not_found");
            return;
        }

        context.Response.ContentType = "application/json";
        if (delete)
        {
            using var json = new Utf8JsonWriter(context.Response.BodyWriter);
            json.WriteStartObject();
            json.WriteString("id"u8, id);
            json.WriteString("object"u8, "response"u8);
            json.WriteBoolean("deleted"u8, true);
            json.WriteEndObject();
            await json.FlushAsync(context.RequestAborted);
            return;
        }

        context.Response.ContentLength = response.Length;
        await context.Response.Body.WriteAsync(response, context.RequestAborted);
    }

    /// <summary>Whose a stored response is: a hash of the key that was presented (bearer first, then <c>x-api-key</c>).</summary>
    private static string OwnerOf(HttpContext context)
    {
        var headers = context.Request.Headers;
        var authorization = headers.Authorization.ToString();
        var key = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : authorization.Trim();
        if (key.Length == 0)
        {
            key = headers["x-api-key"].ToString().Trim();
        }

        return Auth.KeyHasher.Hash(key);
    }
}
