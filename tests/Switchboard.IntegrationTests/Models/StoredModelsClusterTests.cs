using System.Diagnostics;
using System.Net;
using Npgsql;
using Switchboard.IntegrationTests.Cluster;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;
using Switchboard.Models;
using static Switchboard.IntegrationTests.Models.ModelApi;

namespace Switchboard.IntegrationTests.Models;

/// <summary>
/// Stored deployments on PostgreSQL: kept across a restart, encrypted in their column, and seen by every instance of a
/// cluster (one PostgreSQL, one real Redis) at once, or through the version poll without Redis.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StoredModelsClusterTests(PostgresServer postgres, Xunit.Abstractions.ITestOutputHelper log) : IAsyncLifetime
{
    private readonly ClusterRig _cluster = new();

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task StoredModel_PostgresRestart_StillRoutesAndColumnHoldsNoPlaintextKey()
    {
        var database = await postgres.CreateDatabaseAsync();
        var config = StoreConfig(database, deployments: Configs.Http("glm", "file-1", _cluster.Mock.BaseUrl, "ok-file-1"));
        var first = await TestGateway.StartAsync(config);
        var (status, _) = await PostAsync(first, "/model/new", NewBody("kept", _cluster.Mock.BaseUrl, "ok-pg-plaintext-key", id: "pg-kept-1"));
        Assert.Equal(HttpStatusCode.OK, status);
        await first.DisposeAsync();

        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT litellm_params FROM model_deployments WHERE id = 'pg-kept-1'", connection);
            var stored = (string)(await command.ExecuteScalarAsync())!;
            Assert.DoesNotContain("ok-pg-plaintext-key", stored, StringComparison.Ordinal);
            Assert.Contains(ModelSecretBox.Prefix, stored, StringComparison.Ordinal);
        }

        var second = await TestGateway.StartAsync(config);
        _cluster.Gateways.Add(second);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(second, "kept"));
        Assert.Equal(1, _cluster.Mock.Stats["ok-pg-plaintext-key"].Calls);

        // Another salt key: the start is refused with a message naming where the key came from.
        var refused = await Assert.ThrowsAsync<StoredModelsException>(() =>
            TestGateway.StartAsync(StoreConfig(database, master: "sk-other-master-pg-00000000", deployments: Configs.Http("glm", "file-1", _cluster.Mock.BaseUrl, "ok-file-1"))));
        Assert.Contains("pg-kept-1", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelNewUpdateDelete_OnA_FollowedOnBAndCWithinASecond_Redis()
    {
        var database = await postgres.CreateDatabaseAsync();
        // The poll is slowed to ten minutes: only the Redis announcement can bring the change in time.
        var config = StoreConfig(database, redisUrl: _cluster.Redis.Url, deployments: Configs.Http("glm", "file-1", _cluster.Mock.BaseUrl, "ok-file-1"));
        var (a, b, c) = (await StartAsync(config, TimeSpan.FromMinutes(10)), await StartAsync(config, TimeSpan.FromMinutes(10)),
            await StartAsync(config, TimeSpan.FromMinutes(10)));
        await EventuallyAsync(() => Task.FromResult(_cluster.Gateways.All(g => g.Services.Shared.Connected)), TimeSpan.FromSeconds(10));

        var added = Stopwatch.StartNew();
        var (status, _) = await PostAsync(a, "/model/new", NewBody("added", _cluster.Mock.BaseUrl, "ok-cluster-added", id: "cl-added-1"));
        Assert.Equal(HttpStatusCode.OK, status);
        await EventuallyAsync(() => Task.FromResult(Routes(b, "cl-added-1") && Routes(c, "cl-added-1")), TimeSpan.FromSeconds(5));
        log.WriteLine($"B and C route the new deployment {added.Elapsed.TotalMilliseconds:0} ms after A was asked to add it");
        // The issue asks for about a second; the margin is for a loaded machine (the figure is logged above).
        Assert.True(added.Elapsed < TimeSpan.FromSeconds(2), $"took {added.Elapsed.TotalMilliseconds} ms");
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(b, "added"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(c, "added"));
        Assert.Equal(2, _cluster.Mock.Stats["ok-cluster-added"].Calls);

        (status, _) = await PostAsync(a, "/model/update", """{"model_info":{"id":"cl-added-1"},"litellm_params":{"api_key":"ok-cluster-updated"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        await EventuallyAsync(() => Task.FromResult(KeyOf(b, "cl-added-1") == "ok-cluster-updated"), TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(b, "added"));
        Assert.Equal(1, _cluster.Mock.Stats["ok-cluster-updated"].Calls);

        (status, _) = await PostAsync(a, "/model/delete", """{"id":"cl-added-1"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        await EventuallyAsync(() => Task.FromResult(!Routes(b, "cl-added-1") && !Routes(c, "cl-added-1")), TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.BadRequest, await ChatAsync(c, "added"));
    }

    [Fact]
    public async Task ModelNew_OnA_NoRedis_SeenByBThroughTheVersionPoll()
    {
        var database = await postgres.CreateDatabaseAsync();
        var config = StoreConfig(database, deployments: Configs.Http("glm", "file-1", _cluster.Mock.BaseUrl, "ok-file-1"));
        var a = await StartAsync(config, TimeSpan.FromMinutes(10));
        var b = await StartAsync(config, TimeSpan.FromMilliseconds(200));

        var (status, _) = await PostAsync(a, "/model/new", NewBody("polled", _cluster.Mock.BaseUrl, "ok-polled-key", id: "polled-1"));

        Assert.Equal(HttpStatusCode.OK, status);
        await EventuallyAsync(() => Task.FromResult(Routes(b, "polled-1")), TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(b, "polled"));
        Assert.Equal(1, _cluster.Mock.Stats["ok-polled-key"].Calls);
    }

    private Task<TestGateway> StartAsync(Switchboard.Config.GatewayConfig config, TimeSpan poll) =>
        _cluster.StartGatewayAsync(config, modelPollInterval: poll);

    private static bool Routes(TestGateway gateway, string id) =>
        gateway.Services.Router.Groups.SelectMany(g => g.Deployments).Any(d => d.Id == id);

    private static string? KeyOf(TestGateway gateway, string id) =>
        gateway.Services.Router.Groups.SelectMany(g => g.Deployments).FirstOrDefault(d => d.Id == id)?.Config.ApiKey;
}
