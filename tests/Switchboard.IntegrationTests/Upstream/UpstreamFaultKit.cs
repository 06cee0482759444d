using System.Text;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Upstream;

/// <summary>Requests in both client APIs, pools in both upstream formats, and the router's view over HTTP.</summary>
internal static class UpstreamFaultKit
{
    public const string ToolDirective = "mock-tool:Read {\\\"file_path\\\":\\\"/tmp/notes.txt\\\"}";

    public static DeploymentConfig Key(MockProviderServer mock, string provider, string key, int order, string group = "pool") =>
        Configs.Http(group, "dep-" + key, mock.BaseUrl, key, provider: provider, index: order) with { Order = order };

    public static GatewayConfig Pool(RouterSettings router, params DeploymentConfig[] deployments) =>
        new() { ModelList = deployments, Router = router };

    /// <summary>A call in the client's API; with a tool the mock answers with a tool call (split in four argument pieces).</summary>
    public static HttpRequestMessage Call(string api, bool stream, bool tool = false, string model = "pool")
    {
        var text = tool ? ToolDirective : "hello there";
        var s = stream ? "true" : "false";
        var json = api == "openai"
            ? $$"""{"model":"{{model}}","stream":{{s}},"messages":[{"role":"user","content":"{{text}}"}]{{(tool ? ""","tools":[{"type":"function","function":{"name":"Read","parameters":{"type":"object","properties":{"file_path":{"type":"string"}}}}}]""" : "")}}}"""
            : $$"""{"model":"{{model}}","max_tokens":200,"stream":{{s}},"messages":[{"role":"user","content":"{{text}}"}]{{(tool ? ""","tools":[{"name":"Read","input_schema":{"type":"object","properties":{"file_path":{"type":"string"}}}}]""" : "")}}}""";
        return new HttpRequestMessage(HttpMethod.Post, api == "openai" ? "/v1/chat/completions" : "/v1/messages")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
    }

    /// <summary>GET /router/status: per deployment id, its total failures, whether it cools down, and its failures by kind.</summary>
    public static async Task<Dictionary<string, (long Failures, long Successes, bool Cooling, bool Disabled, JsonElement ByKind)>> StatusAsync(TestGateway gateway)
    {
        using var response = await gateway.Client.GetAsync("/router/status");
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var result = new Dictionary<string, (long, long, bool, bool, JsonElement)>(StringComparer.Ordinal);
        foreach (var group in doc.RootElement.GetProperty("model_groups").EnumerateArray())
        {
            foreach (var d in group.GetProperty("deployments").EnumerateArray())
            {
                var total = d.GetProperty("total");
                result[d.GetProperty("id").GetString()!] = (total.GetProperty("failures").GetInt64(), total.GetProperty("successes").GetInt64(),
                    d.GetProperty("cooling_down").GetBoolean(), d.GetProperty("disabled").GetBoolean(), total.GetProperty("failures_by_kind").Clone());
            }
        }

        return result;
    }

    /// <summary>Asserts the protocol's error signal ended the stream, never a clean stop; returns the events seen.</summary>
    public static List<(string? Event, string Data)> AssertEndsWithError(string api, string body)
    {
        var events = ParseSse(body);
        Assert.NotEmpty(events);
        if (api == "openai")
        {
            Assert.StartsWith("{\"error\":", events[^1].Data, StringComparison.Ordinal);
            Assert.DoesNotContain(events, e => e.Data == "[DONE]");
            Assert.DoesNotContain(events, e => e.Data.Contains("\"finish_reason\":\"", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal("error", events[^1].Event);
            Assert.DoesNotContain(events, e => e.Event is "message_delta" or "message_stop");
        }

        return events;
    }

    public static List<(string? Event, string Data)> ParseSse(string body)
    {
        var events = new List<(string?, string)>();
        foreach (var block in body.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            var data = new StringBuilder();
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event:", StringComparison.Ordinal)) name = line[6..].Trim();
                else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Append(line[5..].TrimStart());
            }

            if (name != "ping")
            {
                events.Add((name, data.ToString()));
            }
        }

        return events;
    }
}
