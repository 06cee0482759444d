using System.Buffers;
using System.Text.Json;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation.Gemini;

/// <summary>Google's error shape, <c>{"error":{"code":400,"message":"…","status":"INVALID_ARGUMENT"}}</c>, and its status names.</summary>
internal static class GeminiErrors
{
    /// <summary>The canonical gRPC status name Google's REST errors carry for an HTTP status.</summary>
    public static string StatusFor(int httpStatus) => httpStatus switch
    {
        400 or 413 or 422 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        405 or 501 => "UNIMPLEMENTED",
        408 or 504 => "DEADLINE_EXCEEDED",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        503 or 529 => "UNAVAILABLE",
        _ when httpStatus >= 500 => "INTERNAL",
        _ => "FAILED_PRECONDITION",
    };

    /// <summary>A mid-stream failure's HTTP-like code, from the pivot's error type (Anthropic's names, as the hub reports them).</summary>
    public static int CodeForType(string? type) => type switch
    {
        AnthropicErrors.RateLimit or "rate_limit_exceeded" => 429,
        AnthropicErrors.Overloaded => 503,
        "timeout" or "request_timeout" => 504,
        _ => 500,
    };

    public static void WriteObject(Utf8JsonWriter json, int code, string message)
    {
        json.WriteStartObject();
        json.WriteStartObject("error"u8);
        json.WriteNumber("code"u8, code);
        json.WriteString("message"u8, message);
        json.WriteString("status"u8, StatusFor(code));
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static byte[] Serialize(int code, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            WriteObject(json, code, message);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
