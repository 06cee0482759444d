using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Observability;

/// <summary>
/// The request line as the gateway process writes it to its redirected standard output (the start script's case, where
/// the line is written directly into the buffered output): in the simple console format and with <c>json_logs</c>.
/// </summary>
public sealed partial class RequestLogLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-requestlog-").FullName;
    private GatewayProcess? _gateway;

    public void Dispose()
    {
        _gateway?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ProxiedCalls_TextLogs_OneSimpleConsoleLinePerCallBesideTheLoggersLines()
    {
        var lines = await RunAsync(json: false);

        // The host's start lines came through the console logger into the same output (no order asserted: its queue has its own thread).
        Assert.Contains(lines, l => l.Contains(" info: Microsoft.Hosting.Lifetime[", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => TextLine().IsMatch(l)));
        Assert.Single(lines, l => StreamLine().IsMatch(l));
        Assert.Single(lines, l => UnknownModelLine().IsMatch(l));
        Assert.All(lines, l => Assert.DoesNotContain("must not be logged", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProxiedCalls_JsonLogs_OneObjectPerCallWithEveryField()
    {
        var lines = await RunAsync(json: true);

        var requests = new List<JsonElement>();
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.GetProperty("EventId").GetInt32() == 100)
            {
                requests.Add(doc.RootElement.Clone());
            }
        }

        Assert.Equal(4, requests.Count);
        var first = requests[0];
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", first.GetProperty("Timestamp").GetString());
        Assert.Equal("Information", first.GetProperty("LogLevel").GetString());
        Assert.Equal("Switchboard.Api", first.GetProperty("Category").GetString());
        Assert.Matches(MessagePattern, first.GetProperty("Message").GetString());
        var state = first.GetProperty("State");
        Assert.Equal(["Method", "Path", "Status", "Model", "Group", "Deployment", "Retries", "Stream", "DurationMs", "OverheadMs", "CallId", "{OriginalFormat}"],
            state.EnumerateObject().Select(p => p.Name));
        Assert.Equal(200, state.GetProperty("Status").GetInt32());
        Assert.Equal(JsonValueKind.False, state.GetProperty("Stream").ValueKind);
        Assert.Equal(JsonValueKind.Number, state.GetProperty("DurationMs").ValueKind);
        var unknown = requests.Single(r => r.GetProperty("State").GetProperty("Model").GetString() == "no-such-model").GetProperty("State");
        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("Group").ValueKind);
        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("Deployment").ValueKind);
        Assert.Single(requests, r => r.GetProperty("State").GetProperty("Stream").ValueKind == JsonValueKind.True);
    }

    private const string MessagePattern =
        @"^POST /v1/chat/completions 200 model=glm-pool group=glm-pool deployment=\S+ retries=0 stream=False duration_ms=\d+\.\d overhead_ms=\d+\.\d\d call_id=\S+$";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} info: Switchboard\.Api\[100\] POST /v1/chat/completions 200 model=glm-pool group=glm-pool deployment=\S+ retries=0 stream=False duration_ms=\d+\.\d overhead_ms=\d+\.\d\d call_id=\S+$")]
    private static partial Regex TextLine();

    [GeneratedRegex(@" info: Switchboard\.Api\[100\] POST /v1/chat/completions 200 model=glm-pool group=glm-pool deployment=\S+ retries=0 stream=True duration_ms=")]
    private static partial Regex StreamLine();

    [GeneratedRegex(@" info: Switchboard\.Api\[100\] POST /v1/chat/completions 4\d\d model=no-such-model group= deployment= retries=0 stream=False ")]
    private static partial Regex UnknownModelLine();

    /// <summary>Starts the gateway with its output appended to a file, makes four calls, stops it, and reads the lines.</summary>
    private async Task<List<string>> RunAsync(bool json)
    {
        var port = RepoPaths.FreePort();
        var config = Path.Combine(_dir, "litellm-config.yaml");
        var log = Path.Combine(_dir, ".litellm-proxy.log");
        await File.WriteAllTextAsync(config, $"""
            model_list:
              - model_name: glm-pool
                litellm_params:
                  model: mock/glm-4.6
                  api_key: ok-requestlog-secret-1
            litellm_settings:
              json_logs: {(json ? "true" : "false")}
            """);
        var gateway = _gateway = GatewayProcess.Start(_dir, config, port, appendOutputTo: log);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var baseUrl = gateway.BaseUrl;
        await gateway.WaitReadyAsync(client, TimeSpan.FromSeconds(60));
        foreach (var body in new[]
        {
            """{"model":"glm-pool","messages":[{"role":"user","content":"a prompt that must not be logged"}]}""",
            """{"model":"glm-pool","messages":[{"role":"user","content":"hi"}]}""",
            """{"model":"glm-pool","stream":true,"messages":[{"role":"user","content":"hi"}]}""",
            """{"model":"no-such-model","messages":[{"role":"user","content":"hi"}]}""",
        })
        {
            using var response = await client.PostAsync(baseUrl + "/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
            await response.Content.ReadAsStringAsync();
        }

        await gateway.SignalAsync("TERM");
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return [.. File.ReadAllLines(log).Where(l => l.Length > 0)];
    }
}
