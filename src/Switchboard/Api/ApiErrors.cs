using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Switchboard.Protocols;
using Switchboard.Protocols.Anthropic;
using Switchboard.Protocols.OpenAi;

namespace Switchboard.Api;

/// <summary>Writes errors in the caller's own API shape: OpenAI's <c>{"error":{…}}</c>, Anthropic's <c>{"type":"error",…}</c> or Google's <c>{"error":{"code","message","status"}}</c>.</summary>
internal static class ApiErrors
{
    /// <summary>A missing key's hint for Gemini clients, which send it their own ways (a Bearer token works too).</summary>
    private const string GeminiMissingKey = "Missing API key: send it as 'x-goog-api-key: <key>' or as the query parameter '?key=<key>'.";

    /// <summary>A failed authentication (401, or 503 when the key store is unreachable) in the caller's shape.</summary>
    /// <summary>
    /// Authenticates a call that reads no model body (lists, stored responses, token counts): the caller, or null once the
    /// refusal has been written in the API's own shape.
    /// </summary>
    public static async Task<Auth.Caller?> AuthenticateOrRefuseAsync(HttpContext context, GatewayServices services, ClientApi api)
    {
        var auth = await services.Auth.AuthenticateAsync(context.Request, context.RequestAborted);
        if (auth.Succeeded)
        {
            return auth.Caller;
        }

        await WriteAuthFailureAsync(context, api, auth);
        return null;
    }

    public static Task WriteAuthFailureAsync(HttpContext context, ClientApi api, Auth.AuthResult auth) =>
        WriteAsync(context, api, auth.StatusCode, auth.KeyMissing && api == ClientApi.Gemini ? GeminiMissingKey : auth.Error ?? "Invalid API key.",
            "invalid_api_key");

    /// <param name="type">OpenAI's <c>type</c> when it is not the status's usual one (OpenAI's own 404 for a model is an <c>invalid_request_error</c>).</param>
    public static Task WriteAsync(HttpContext context, ClientApi api, int status, string message, string? code = null, string? param = null, TimeSpan? retryAfter = null, bool? shouldRetry = null,
        string? type = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = status;
        response.ContentType = "application/json";
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = Routing.RouteDecision.RetryAfterSeconds(wait).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (shouldRetry is { } retry)
        {
            response.Headers["x-should-retry"] = retry ? "true" : "false";
        }

        // A backstop: messages that quote client input should use ClientText.Quote; none may carry megabytes back.
        message = ClientText.Message(message);
        var requestId = CallIds.Of(context);
        using var writer = new Utf8JsonWriter(response.BodyWriter);
        if (api == ClientApi.Anthropic)
        {
            if (requestId is not null)
            {
                response.Headers["request-id"] = requestId;
            }

            AnthropicErrors.WriteObject(writer, AnthropicErrors.TypeForStatus(status), message, requestId);
        }
        else if (api == ClientApi.Gemini)
        {
            Translation.Gemini.GeminiErrors.WriteObject(writer, status, message);
        }
        else
        {
            OpenAiErrors.WriteObject(writer, message, type ?? OpenAiErrors.TypeForStatus(status), param, code ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        writer.Flush();
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
