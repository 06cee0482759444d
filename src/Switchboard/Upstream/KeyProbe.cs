using System.Text;
using System.Text.Json;
using Switchboard.Config;

namespace Switchboard.Upstream;

/// <summary>The tiny request that tells whether a disabled key is accepted again: one token of output, nothing streamed.</summary>
internal static class KeyProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <returns>Null when the upstream answered 2xx (the key works), else why not (status and the upstream's error text).</returns>
    public static async Task<string?> SendAsync(IUpstreamAdapter adapter, DeploymentConfig deployment, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(deployment);
        var anthropic = Providers.SpeaksAnthropic(deployment.Provider);
        var request = new UpstreamRequest(anthropic ? "/v1/messages" : "/chat/completions", Body(deployment.UpstreamModel), Stream: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        await using var response = await adapter.SendAsync(deployment, request, timeout.Token);
        if (response.IsSuccess)
        {
            return null;
        }

        var body = await response.ReadAllAsync(64 * 1024, timeout.Token);
        var failure = FailureClassifier.Classify(deployment.Provider, response.StatusCode, response.Header, body, time.GetUtcNow());
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"HTTP {failure.HttpStatus} {failure.Kind}: {failure.Message}");
    }

    /// <summary>Both APIs accept the same minimal body: a model, one user message, one output token.</summary>
    private static byte[] Body(string model)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model"u8, model);
            json.WriteNumber("max_tokens"u8, 1);
            json.WriteStartArray("messages"u8);
            json.WriteStartObject();
            json.WriteString("role"u8, "user"u8);
            json.WriteString("content"u8, "ping"u8);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
