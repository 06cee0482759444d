using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Cluster;

/// <summary>
/// An instance that dies holding cluster-wide concurrency slots (SIGKILL: no release, no goodbye) gives them back when
/// its leases expire: the gateway under test runs as its own process, the survivor in this one.
/// </summary>
public sealed class CrashedInstanceTests(Xunit.Abstractions.ITestOutputHelper log) : IAsyncLifetime
{
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(1500);
    private readonly RedisServer _redis = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-cluster-kill-").FullName;
    private MockProviderServer _mock = null!;
    private GatewayProcess? _victim;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { Port = 0, ConcurrencyHold = Hold }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _victim?.Dispose();
        await _mock.DisposeAsync();
        await _redis.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Sigkill_WhileHoldingTheOnlySlot_SlotComesBackWithinLeaseExpiry()
    {
        var path = Path.Combine(_dir, "litellm-config.yaml");
        await File.WriteAllTextAsync(path, $$"""
            model_list:
              - model_name: glm
                litellm_params:
                  model: openai/glm-4.6
                  api_base: {{_mock.BaseUrl.ToString().TrimEnd('/')}}/v1
                  api_key: conc1-crash
                  max_parallel_requests: 1
                model_info:
                  id: cl-crash
            router_settings:
              redis_url: {{_redis.Url}}
              shared_lease_ttl_s: {{LeaseTtl.TotalSeconds.ToString(CultureInfo.InvariantCulture)}}
            """);
        var port = RepoPaths.FreePort();
        var victim = _victim = GatewayProcess.Start(_dir, path, port);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var victimUrl = victim.BaseUrl;
        // Ready with Redis connected.
        await victim.WaitReadyAsync(client, TimeSpan.FromSeconds(30), "/health", body => body.Contains("\"connected\":true", StringComparison.Ordinal));
        await using var survivor = await TestGateway.StartAsync(ConfigLoader.LoadOrThrow(path), databasePath: Path.Combine(_dir, "survivor.db"));
        await SharedStateTests.EventuallyAsync(() => survivor.Services.Shared.Connected);

        // The victim takes the one slot of the cluster and is killed while its call is at the mock.
        var held = client.PostAsync(victimUrl + "/v1/chat/completions", Body());
        await SharedStateTests.EventuallyAsync(() => _mock.Stats["conc1-crash"].InFlight == 1);
        var killed = Stopwatch.StartNew();
        victim.Kill();
        await victim.WaitForExitAsync(TimeSpan.FromSeconds(60));
        await Assert.ThrowsAnyAsync<Exception>(() => held);

        // The survivor waits for the lease to expire, then gets the slot; its own call holds it for Hold.
        using var response = await survivor.Client.PostAsync("/v1/chat/completions", Body());
        var waited = killed.Elapsed - Hold;
        log.WriteLine($"the survivor's call started {waited.TotalSeconds:0.00} s after the kill (lease {LeaseTtl.TotalSeconds} s)\n{victim.Output}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _mock.Stats["conc1-crash"].MaxInFlight);

        // The lease was in force (renewed every third of its life, so at least two thirds of it were left) and expired.
        Assert.True(waited > LeaseTtl / 2, $"the slot was free after {waited.TotalSeconds} s: the victim's lease did not hold it");
        Assert.True(waited < LeaseTtl + TimeSpan.FromSeconds(3), $"the slot came back only after {waited.TotalSeconds} s");
    }

    private static StringContent Body() =>
        new("""{"model":"glm","messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json");
}
