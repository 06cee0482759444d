using System.Buffers;
using System.Text.Json;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Protocols.OpenAi;

/// <summary>OpenAI's error shape: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class OpenAiErrors
{
    public static string TypeForStatus(int status) => status switch
    {
        400 or 405 or 413 or 422 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "api_error",
    };

    public static void Write(IBufferWriter<byte> output, string message, string type, string? param = null, string? code = null)
    {
        using var json = new Utf8JsonWriter(output, JsonWriting.Options);
        WriteObject(json, message, type, param, code);
    }

    public static byte[] ToBytes(int status, string message, string? code = null)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        Write(buffer, message, TypeForStatus(status), null, code);
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteObject(Utf8JsonWriter json, string message, string type, string? param, string? code)
    {
        json.WriteStartObject();
        json.WriteStartObject("error"u8);
        json.WriteString("message"u8, message);
        json.WriteString("type"u8, type);
        WriteNullable(json, "param"u8, param);
        WriteNullable(json, "code"u8, code);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
