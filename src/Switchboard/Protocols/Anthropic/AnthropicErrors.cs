using System.Buffers;
using System.Text.Json;

namespace Switchboard.Protocols.Anthropic;

/// <summary>Anthropic's error shape: <c>{"type":"error","error":{"type":…,"message":…},"request_id":…}</c>.</summary>
internal static class AnthropicErrors
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string Permission = "permission_error";
    public const string NotFound = "not_found_error";
    public const string RequestTooLarge = "request_too_large";
    public const string RateLimit = "rate_limit_error";
    public const string Api = "api_error";
    public const string Overloaded = "overloaded_error";

    public static string TypeForStatus(int status) => status switch
    {
        400 or 405 or 422 => InvalidRequest,
        401 => Authentication,
        403 => Permission,
        404 => NotFound,
        413 => RequestTooLarge,
        429 => RateLimit,
        529 or 503 => Overloaded,
        _ => Api,
    };

    public static int StatusForType(string type) => type switch
    {
        InvalidRequest => 400,
        Authentication => 401,
        Permission => 403,
        NotFound => 404,
        RequestTooLarge => 413,
        RateLimit => 429,
        Overloaded => 529,
        _ => 500,
    };

    public static void Write(IBufferWriter<byte> output, string type, string message, string? requestId)
    {
        using var json = new Utf8JsonWriter(output, JsonWriting.Options);
        WriteObject(json, type, message, requestId);
    }

    public static byte[] ToBytes(int status, string message, string? requestId)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        Write(buffer, TypeForStatus(status), message, requestId);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the error object; the stream's <c>error</c> event carries the same object without a request id.</summary>
    public static void WriteObject(Utf8JsonWriter json, string type, string message, string? requestId)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "error"u8);
        json.WriteStartObject("error"u8);
        json.WriteString("type"u8, type);
        json.WriteString("message"u8, message);
        json.WriteEndObject();
        if (requestId is not null)
        {
            json.WriteString("request_id"u8, requestId);
        }

        json.WriteEndObject();
    }
}
