using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Gemini;

/// <summary>Shared pieces of the Gemini API integration tests: pools, raw requests as the google-genai SDK sends them, Google's error shape.</summary>
internal static class GeminiKit
{
    public const string Model = "gemini-pool";

    /// <summary>One deployment of <paramref name="provider"/> (<c>openai</c> or <c>anthropic</c>) on the mock, behind <see cref="Model"/>.</summary>
    public static GatewayConfig Pool(Uri mock, string provider, string key, string? masterKey = null, string upstreamModel = "glm-4.6") => new()
    {
        ModelList = [Configs.Http(Model, "dep-" + key, mock, key, provider, upstreamModel)],
        Router = new RouterSettings { NumRetries = 1 },
        General = new GeneralSettings { MasterKey = masterKey },
    };

    /// <summary>A POST as the google-genai SDK sends it: the key in <c>x-goog-api-key</c>.</summary>
    public static HttpRequestMessage Post(string path, string json, string? key = "sk-client-anything")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("x-goog-api-key", key);
        }

        request.Headers.TryAddWithoutValidation("x-goog-api-client", "google-genai-sdk/1.30.0 gl-node/v20.20.2");
        return request;
    }

    public static string UserText(string text, string extra = "") =>
        new JsonObject { ["contents"] = new JsonArray(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = text }) }) }
            .ToJsonString()[..^1] + extra + "}";

    /// <summary>Asserts Google's error answer: the status, <c>error.code</c> equal to it, the status name, a message.</summary>
    public static async Task<JsonNode> AssertErrorAsync(HttpResponseMessage response, int status, string statusName)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal(status, (int)error["code"]!);
        Assert.Equal(statusName, (string?)error["status"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        return error;
    }

    /// <summary>The <c>data:</c> payloads of an SSE answer, parsed.</summary>
    public static List<JsonNode> SseEvents(string body) =>
        body.Split(["\r\n\r\n", "\n\n"], StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim())
            .Where(e => e.StartsWith("data: ", StringComparison.Ordinal))
            .Select(e => JsonNode.Parse(e["data: ".Length..])!)
            .ToList();

    /// <summary>Every text part (thoughts left out) of the given answers, joined.</summary>
    public static string Text(IEnumerable<JsonNode> answers) =>
        string.Concat(answers.SelectMany(a => a["candidates"]?[0]?["content"]?["parts"]?.AsArray() ?? [])
            .Where(p => p?["text"] is not null && p["thought"] is null)
            .Select(p => (string)p!["text"]!));
}
