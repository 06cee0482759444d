using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Switchboard.MockProvider;

/// <summary>
/// Faults that test the gateway's own defences rather than its routing: error texts that echo the caller's key
/// (as some providers do: "Incorrect API key provided: sk-…"), before and in the middle of a stream, and a stream whose
/// one event never ends.
/// </summary>
internal static class MockSecretFaults
{
    /// <summary><c>echo&lt;STATUS&gt;-*</c>: that status, with the key in the error's message and code.</summary>
    public static Task EchoErrorAsync(HttpResponse response, int status, string key, bool anthropic)
    {
        response.StatusCode = status is >= 400 and < 600 ? status : 500;
        response.ContentType = "application/json";
        return response.Body.WriteAsync(ErrorJson(key, anthropic, inStream: false)).AsTask();
    }

    /// <summary><c>echomid-*</c>: a stream that starts, then breaks with an error event that carries the key.</summary>
    public static async Task EchoMidStreamAsync(HttpResponse response, string key, bool anthropic, CancellationToken ct)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        var start = anthropic
            ? "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_mock_echo\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"mock\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"u8.ToArray()
            : "data: {\"id\":\"chatcmpl-mock-echo\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"mock\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n"u8.ToArray();
        await response.Body.WriteAsync(start, ct);
        await response.Body.FlushAsync(ct);
        await response.Body.WriteAsync(anthropic ? "event: error\ndata: "u8.ToArray() : "data: "u8.ToArray(), ct);
        await response.Body.WriteAsync(ErrorJson(key, anthropic, inStream: true), ct);
        await response.Body.WriteAsync("\n\n"u8.ToArray(), ct);
        await response.Body.FlushAsync(ct);
    }

    /// <summary>Bytes of the endless event sent at most (a bound for the mock, far above any sane cap of the gateway's).</summary>
    public const long EndlessLimit = 256L * 1024 * 1024;

    /// <summary><c>endless-*</c>: a stream whose first event never ends (no blank line), until the client hangs up or
    /// <see cref="EndlessLimit"/> bytes were sent.</summary>
    public static async Task EndlessEventAsync(HttpResponse response, CancellationToken ct)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        await response.Body.WriteAsync("data: {\"choices\":[{\"delta\":{\"content\":\""u8.ToArray(), ct);
        var filler = new byte[64 * 1024];
        Array.Fill(filler, (byte)'a');
        for (long sent = 0; sent < EndlessLimit && !ct.IsCancellationRequested; sent += filler.Length)
        {
            await response.Body.WriteAsync(filler, ct);
            await response.Body.FlushAsync(ct);
        }
    }

    private static byte[] ErrorJson(string key, bool anthropic, bool inStream)
    {
        var message = $"Incorrect API key provided: {key}. You can find your API key at https://example.invalid/keys ({key})";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (anthropic)
            {
                json.WriteString("type", "error");
            }

            json.WriteStartObject("error");
            json.WriteString("type", anthropic ? (inStream ? "api_error" : "authentication_error") : "invalid_request_error");
            json.WriteString("message", message);
            if (!anthropic)
            {
                json.WriteString("code", "invalid_api_key:" + key);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
