using System.Text;
using System.Text.Json;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Observability;

/// <summary>The gateway as its own process, its output appended to a file as the start script does: JSON lines, rotation.</summary>
public sealed class JsonLogsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-jsonlogs-").FullName;
    private GatewayProcess? _gateway;

    public void Dispose()
    {
        _gateway?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task JsonLogs_WithRotation_EveryLineIsJsonAndTheConfiguredFilesAreKept()
    {
        var port = RepoPaths.FreePort();
        var config = Path.Combine(_dir, "litellm-config.yaml");
        var log = Path.Combine(_dir, ".litellm-proxy.log");
        await File.WriteAllTextAsync(config, """
            model_list:
              - model_name: glm-pool
                litellm_params:
                  model: mock/glm-4.6
                  api_key: ok-jsonlogs-secret-1
            litellm_settings:
              json_logs: true
            general_settings:
              log_max_size_mb: 0.002
              log_max_files: 2
            """);
        var gateway = _gateway = GatewayProcess.Start(_dir, config, port, appendOutputTo: log,
            environment: new Dictionary<string, string?> { ["SWITCHBOARD_LOG_FILE"] = log });

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var baseUrl = gateway.BaseUrl;
        await gateway.WaitReadyAsync(client, TimeSpan.FromSeconds(60));
        for (var i = 0; i < 40; i++)
        {
            using var response = await client.PostAsync(baseUrl + "/v1/chat/completions", new StringContent(
                """{"model":"glm-pool","messages":[{"role":"user","content":"a prompt that must not be logged"}]}""", Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            if (i % 10 == 9)
            {
                // Past the flush interval, so that the size check runs between batches.
                await Task.Delay(300);
            }
        }

        await gateway.SignalAsync("TERM");
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(File.Exists(log + ".1"), string.Join(", ", Directory.GetFiles(_dir).Select(Path.GetFileName)));
        Assert.True(File.Exists(log + ".2"));
        Assert.False(File.Exists(log + ".3"));

        var requestLines = 0;
        foreach (var file in new[] { log + ".2", log + ".1", log })
        {
            foreach (var line in File.ReadAllLines(file).Where(l => l.Length > 0))
            {
                using var doc = JsonDocument.Parse(line); // throws on any line that is not one JSON object
                var root = doc.RootElement;
                Assert.Equal(JsonValueKind.Object, root.ValueKind);
                Assert.True(root.TryGetProperty("LogLevel", out _), line);
                Assert.True(root.TryGetProperty("Message", out _), line);
                Assert.DoesNotContain("ok-jsonlogs-secret-1", line, StringComparison.Ordinal);
                Assert.DoesNotContain("must not be logged", line, StringComparison.Ordinal);
                if (root.GetProperty("EventId").GetInt32() == 100)
                {
                    requestLines++;
                    var state = root.GetProperty("State");
                    Assert.Equal("POST", state.GetProperty("Method").GetString());
                    Assert.Equal("/v1/chat/completions", state.GetProperty("Path").GetString());
                    Assert.Equal("200", state.GetProperty("Status").ToString());
                    Assert.Equal("glm-pool", state.GetProperty("Model").GetString());
                    Assert.True(state.TryGetProperty("DurationMs", out _));
                    Assert.True(state.TryGetProperty("CallId", out _));
                    Assert.StartsWith("POST /v1/chat/completions 200 model=glm-pool", root.GetProperty("Message").GetString(), StringComparison.Ordinal);
                }
            }
        }

        // Older request lines went with the rotated files that were dropped; the kept ones still hold some.
        Assert.InRange(requestLines, 1, 40);
    }
}
