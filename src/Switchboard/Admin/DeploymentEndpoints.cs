using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Auth;
using Switchboard.Routing;

namespace Switchboard.Admin;

/// <summary>
/// <c>POST /deployment/{id}/enable</c> (master key): brings back a deployment whose key a 401/403 took out, without a
/// config reload, e.g. once the provider restored the account (architecture decision 11).
/// </summary>
internal static class DeploymentEndpoints
{
    public static void MapDeploymentEndpoints(this IEndpointRouteBuilder app, Router router)
    {
        app.MapPost("/deployment/{id}/enable", context => EnableAsync(context, router, context.Request.RouteValues["id"] as string ?? ""));
    }

    private static async Task EnableAsync(HttpContext context, Router router, string id)
    {
        if (!await AdminAuth.RequireMasterAsync(context))
        {
            return;
        }

        var result = router.Enable(id, "admin");
        if (result == EnableResult.NotFound)
        {
            var shown = id.Length > 200 ? id[..200] + "…" : id;
            await AdminAuth.WriteErrorAsync(context, 404, $"No deployment has the id '{shown}'; see GET /router/status for the ids.",
                "not_found_error", "deployment_not_found");
            return;
        }

        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("id"u8, id);
        writer.WriteBoolean("enabled"u8, true);
        writer.WriteBoolean("was_disabled"u8, result == EnableResult.Enabled);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
