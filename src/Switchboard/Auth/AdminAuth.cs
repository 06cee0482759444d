using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Switchboard.Auth;

/// <summary>
/// Admin endpoints need the master key. In open mode (no master key) they answer 403: an open gateway must not let
/// anyone mint keys or read spend, and the message says to set <c>general_settings.master_key</c>.
/// </summary>
internal static class AdminAuth
{
    /// <summary>True when the request carries the master key; otherwise writes an OpenAI-shaped 401/403/503 and returns false.</summary>
    public static async Task<bool> RequireMasterAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var auth = context.RequestServices.GetRequiredService<AuthService>();
        if (auth.IsOpenMode)
        {
            await WriteErrorAsync(context, 403,
                "Admin endpoints are disabled in open mode: set general_settings.master_key and call them with the master key.",
                "permission_error", "master_key_not_set");
            return false;
        }

        var result = await auth.AuthenticateAsync(context.Request, context.RequestAborted);
        if (!result.Succeeded)
        {
            await WriteErrorAsync(context, result.StatusCode, result.Error ?? "Unauthorized.",
                result.StatusCode == 401 ? "authentication_error" : "api_error", result.StatusCode == 401 ? "invalid_api_key" : "unavailable");
            return false;
        }

        if (result.Caller!.Kind != CallerKind.Master)
        {
            await WriteErrorAsync(context, 403, "This admin endpoint needs the master key; a virtual key may not call it.",
                "permission_error", "master_key_required");
            return false;
        }

        return true;
    }

    /// <summary>Writes <c>{"error":{"message","type","param","code"}}</c> (OpenAI's error shape).</summary>
    public static async Task WriteErrorAsync(HttpContext context, int statusCode, string message, string type, string? code = null, string? param = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", message);
        writer.WriteString("type", type);
        writer.WriteString("param", param);
        writer.WriteString("code", code ?? statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
