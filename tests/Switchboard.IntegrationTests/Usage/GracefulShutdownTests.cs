using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Usage;

/// <summary>Nothing accepted is lost: the gateway runs as its own process and is stopped with SIGTERM mid-load or mid-stream.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class GracefulShutdownTests(Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-sigterm-").FullName;
    private GatewayProcess? _gateway;

    [Fact]
    public async Task Sigterm_During2000ConcurrentCalls_OneUsageRecordPerSuccessfulResponse()
    {
        var port = RepoPaths.FreePort();
        var config = Path.Combine(_dir, "litellm-config.yaml");
        await File.WriteAllTextAsync(config, """
            model_list:
              - model_name: glm-pool
                litellm_params:
                  model: mock/glm-4.6
                  api_key: ok-sigterm-1
                  mock_latency_ms: 25
              - model_name: glm-pool
                litellm_params:
                  model: mock/glm-4.6
                  api_key: ok-sigterm-2
                  mock_latency_ms: 25
            """);
        _gateway = GatewayProcess.Start(_dir, config, port);

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(60) };
        var baseUrl = _gateway.BaseUrl;
        await _gateway.WaitReadyAsync(client, TimeSpan.FromSeconds(120));

        var completed = 0;
        var sigtermSent = new TaskCompletionSource();
        var calls = Enumerable.Range(0, 2000).Select(async i =>
        {
            try
            {
                using var response = await client.PostAsync(baseUrl + "/v1/chat/completions", new StringContent(
                    i % 4 == 0
                        ? """{"model":"glm-pool","stream":true,"messages":[{"role":"user","content":"hello"}]}"""
                        : """{"model":"glm-pool","messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"));
                var body = await response.Content.ReadAsStringAsync();
                var ok = response.StatusCode == HttpStatusCode.OK && (i % 4 != 0 || body.Contains("[DONE]", StringComparison.Ordinal));
                return ok;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
            finally
            {
                if (Interlocked.Increment(ref completed) == 800)
                {
                    sigtermSent.TrySetResult();
                }
            }
        }).ToList();

        await sigtermSent.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await _gateway.SignalAsync("TERM");

        var results = await Task.WhenAll(calls);
        await _gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var successes = results.Count(ok => ok);
        Assert.True(successes >= 800, $"only {successes} calls succeeded; gateway output:\n{_gateway.Output}");
        Assert.Equal(0, _gateway.ExitCode);

        await using var db = new SqliteConnection($"Data Source={Path.Combine(_dir, "switchboard.db")};Mode=ReadOnly");
        await db.OpenAsync();
        await using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM usage_logs WHERE http_status = 200";
        var rows = Convert.ToInt32(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        log.WriteLine($"{successes} of 2000 calls succeeded around the SIGTERM; {rows} usage rows with status 200");
        Assert.Equal(successes, rows);
    }

    [Theory]
    [InlineData(30, true)]
    [InlineData(1, false)]
    public async Task Sigterm_StreamInFlight_FinishesWithinGraceAndRowWrittenAndStoreClosed(int graceSeconds, bool finishes)
    {
        // A stream of about 8 s: within a 30 s grace it runs to its end; a 1 s grace cuts it, and it is billed for what it
        // sent. Long enough that a SIGTERM handled seconds late on a loaded machine still finds it running.
        var port = RepoPaths.FreePort();
        var config = Path.Combine(_dir, "litellm-config.yaml");
        await File.WriteAllTextAsync(config, $$"""
            model_list:
              - model_name: glm-pool
                litellm_params:
                  model: mock/glm-4.6
                  api_key: ok-grace
                  mock_chunks: 80
                  mock_chunk_delay_ms: 100
            general_settings:
              graceful_shutdown_s: {{graceSeconds}}
            """);
        _gateway = GatewayProcess.Start(_dir, config, port);

        // The first call of a process just started (its code still to compile) took over 60 s on a loaded machine.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(180) };
        var baseUrl = _gateway.BaseUrl;
        await _gateway.WaitReadyAsync(client, TimeSpan.FromSeconds(120));

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, baseUrl + "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"glm-pool","stream":true,"messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"),
        }, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = new StringBuilder();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            body.AppendLine(line);
            if (line.Contains("\"content\"", StringComparison.Ordinal))
            {
                break;
            }
        }

        var stopping = Stopwatch.StartNew();
        await _gateway.SignalAsync("TERM");

        // Not accepting any more: a new connection is refused while the stream goes on (once the gateway has handled the
        // signal, which on a loaded machine may take a while).
        await RefusesNewConnectionsAsync(baseUrl);
        try
        {
            body.Append(await reader.ReadToEndAsync());
        }
        catch (IOException)
        {
            // A cut stream may end with a reset connection.
        }

        await _gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));
        log.WriteLine($"exited {stopping.Elapsed.TotalSeconds:0.0} s after SIGTERM; gateway output:\n{_gateway.Output}");
        Assert.Equal(0, _gateway.ExitCode);
        Assert.Equal(finishes, body.ToString().Contains("data: [DONE]", StringComparison.Ordinal));
        // It exits once the stream has ended or been cut, not at the end of the 30 s grace (whether the stream was cut is
        // the [DONE] check above; a loaded machine took 9.5 s to exit after a cut, its first token count being slow).
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(28), $"took {stopping.Elapsed} to exit");

        // The store was disposed: SQLite checkpointed the WAL into the file and removed it with the last connection.
        var database = Path.Combine(_dir, "switchboard.db");
        Assert.False(File.Exists(database + "-wal") && new FileInfo(database + "-wal").Length > 0, "the WAL was left behind: the store was not closed");
        await using var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=false");
        await db.OpenAsync();
        await using var query = db.CreateCommand();
        query.CommandText = "SELECT completion_tokens, tokens_estimated FROM usage_logs";
        await using var row = await query.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync(), "no usage row for the stream in flight at SIGTERM");
        Assert.True(row.GetInt64(0) > 0, "the stream's output was not billed");
        Assert.Equal(finishes ? 0 : 1, row.GetInt64(1));
        Assert.False(await row.ReadAsync());
    }

    /// <summary>Polls with fresh connections until one is refused (or the gateway has gone, which refuses them too).</summary>
    private static async Task RefusesNewConnectionsAsync(string baseUrl)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var fresh = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            try
            {
                using var response = await fresh.GetAsync(baseUrl + "/health/readiness");
            }
            catch (HttpRequestException)
            {
                return;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "new connections were still accepted 20 s after SIGTERM");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        _gateway?.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
