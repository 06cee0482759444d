using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Auth;
using Switchboard.Observability;
using Switchboard.Routing;

namespace Switchboard.Admin;

/// <summary>Live usage per key (the guide's "monitor which keys are being used most heavily"): router status and LiteLLM's /model/info.</summary>
internal static class RouterStatusEndpoints
{
    /// <param name="secrets">The redactor in force, read per request (a reload or <c>/model/new</c> replaces it).</param>
    /// <param name="isStored">Whether a deployment id was stored through <c>/model/new</c> (<c>db_model</c> in /model/info).</param>
    public static void MapRouterStatusEndpoints(this IEndpointRouteBuilder app, Router router, Func<SecretRedactor> secrets, Func<string, bool> isStored)
    {
        app.MapGet("/router/status", context => WriteAsync(context, writer => RouterStatusJson.Write(writer, router.Snapshot()), secrets));
        foreach (var path in new[] { "/model/info", "/v1/model/info" })
        {
            app.MapGet(path, context => WriteAsync(context, writer => ModelInfoJson.Write(writer, router, isStored), secrets));
        }
    }

    private static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> write, Func<SecretRedactor> secrets)
    {
        // Open mode (no master key) shows status to anyone, like the rest of the API; with one, admins only.
        if (!context.RequestServices.GetRequiredService<AuthService>().IsOpenMode && !await AdminAuth.RequireMasterAsync(context))
        {
            return;
        }

        // Error texts were masked when recorded; the whole answer is searched once more so that no field added later can
        // show a configured key (architecture decision 8). An admin answer is small and rare: the copy costs nothing that matters.
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(secrets().RedactUtf8(buffer.WrittenMemory), context.RequestAborted);
    }
}
