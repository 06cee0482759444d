using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Switchboard.Api;

/// <summary>Writes errors in the caller's own API shape: OpenAI's <c>{"error":{…}}</c> or Anthropic's <c>{"type":"error",…}</c>.</summary>
internal static class ApiErrors
{
    public static string OpenAiType(int status) => status switch
    {
        400 or 405 or 413 or 422 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        503 or 529 => "service_unavailable",
        504 => "timeout",
        _ => "api_error",
    };

    public static string AnthropicType(int status) => status switch
    {
        400 or 405 or 422 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 or 503 => "overloaded_error",
        504 => "timeout_error",
        _ => "api_error",
    };

    public static Task WriteAsync(HttpContext context, ClientApi api, int status, string message, string? code = null, string? param = null, TimeSpan? retryAfter = null, bool? shouldRetry = null)
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
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (shouldRetry is { } retry)
        {
            response.Headers["x-should-retry"] = retry ? "true" : "false";
        }

        var requestId = context.Items[CallIds.ItemKey] as string;
        using var writer = new Utf8JsonWriter(response.BodyWriter);
        if (api == ClientApi.Anthropic)
        {
            if (requestId is not null)
            {
                response.Headers["request-id"] = requestId;
            }

            WriteAnthropic(writer, AnthropicType(status), message, requestId);
        }
        else
        {
            WriteOpenAi(writer, OpenAiType(status), message, code ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture), param);
        }

        writer.Flush();
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }

    public static void WriteOpenAi(Utf8JsonWriter writer, string type, string message, string? code, string? param)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", message);
        writer.WriteString("type", type);
        if (param is null)
        {
            writer.WriteNull("param");
        }
        else
        {
            writer.WriteString("param", param);
        }

        if (code is null)
        {
            writer.WriteNull("code");
        }
        else
        {
            writer.WriteString("code", code);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteAnthropic(Utf8JsonWriter writer, string type, string message, string? requestId)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "error");
        writer.WriteStartObject("error");
        writer.WriteString("type", type);
        writer.WriteString("message", message);
        writer.WriteEndObject();
        if (requestId is not null)
        {
            writer.WriteString("request_id", requestId);
        }

        writer.WriteEndObject();
    }
}
