using System.Net;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Auth;
using Switchboard.Storage;

namespace Switchboard.IntegrationTests.Storage;

/// <summary>The spend endpoints over real HTTP on loopback, backed by a SQLite file.</summary>
public sealed class SpendEndpointsTests : IAsyncLifetime
{
    private const string Master = "sk-master-integration-0002";
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-spend-").FullName;
    private readonly FakeTimeProvider _time = new(T0);
    private SqliteGatewayStore _store = null!;
    private AdminTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteGatewayStore(Path.Combine(_directory, "switchboard.db"));
        await _store.MigrateAsync(CancellationToken.None);
        _host = await AdminTestHost.StartAsync(Master, _store, _time);
        UsageRecord Usage(string id, string? hash, string group, string deployment, DateTimeOffset time, double cost, int status = 200) => new()
        {
            Time = time,
            RequestId = id,
            KeyHash = hash,
            KeyAlias = hash is null ? null : "alias-" + hash[..4],
            ModelGroup = group,
            DeploymentId = deployment,
            UpstreamModel = "glm-4.6",
            HttpStatus = status,
            PromptTokens = 10,
            CompletionTokens = 5,
            Cost = cost,
            Api = "anthropic",
            LatencyMs = 250,
        };
        var a = KeyHasher.Hash("sk-a");
        var b = KeyHasher.Hash("sk-b");
        await _store.WriteUsageAsync(
        [
            Usage("r1", a, "glm-pool", "d1", T0.AddDays(-2), 1),
            Usage("r2", a, "glm-pool", "d1", T0.AddDays(-1), 2),
            Usage("r3", b, "gpt", "d2", T0, 4, status: 429),
            Usage("r4", null, "gpt", "d2", T0.AddMinutes(1), 8),
        ], CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Logs_FilterByKeyAndDates_ReturnsLiteLlmRowsNewestFirst()
    {
        var (status, json) = await _host.GetAsync("/spend/logs?api_key=sk-a&start_date=2026-11-18&end_date=2026-11-19");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["r2", "r1"], json.EnumerateArray().Select(r => r.GetProperty("request_id").GetString()));
        var row = json[0];
        Assert.Equal((2.0, 15, "glm-pool", "d1", "success", "anthropic_messages"),
            (row.GetProperty("spend").GetDouble(), row.GetProperty("total_tokens").GetInt32(), row.GetProperty("model_group").GetString(),
             row.GetProperty("model_id").GetString(), row.GetProperty("status").GetString(), row.GetProperty("call_type").GetString()));
        Assert.Equal("2026-11-19T10:00:00.250Z", row.GetProperty("endTime").GetString());
    }

    [Fact]
    public async Task Logs_FilterByModelGroupAndPage_Pages()
    {
        using var response = await _host.Client.GetAsync("/spend/logs?model_group=gpt&page=2&page_size=1");
        Assert.Equal("2", response.Headers.GetValues("x-total-count").Single());
        var (_, json) = await _host.GetAsync("/spend/logs?model_group=gpt&page=2&page_size=1");
        Assert.Equal("r3", Assert.Single(json.EnumerateArray()).GetProperty("request_id").GetString());
        Assert.Equal("failure", json[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Logs_BadDate_Is400() =>
        Assert.Equal(HttpStatusCode.BadRequest, (await _host.GetAsync("/spend/logs?start_date=yesterday")).Status);

    [Fact]
    public async Task GlobalSpend_SumsAllOrRange()
    {
        var (_, all) = await _host.GetAsync("/global/spend");
        Assert.Equal((15.0, 4), (all.GetProperty("spend").GetDouble(), all.GetProperty("requests").GetInt32()));
        var (_, today) = await _host.GetAsync("/global/spend?start_date=2026-11-20");
        Assert.Equal(12.0, today.GetProperty("spend").GetDouble());
    }

    [Fact]
    public async Task GlobalSpendKeysAndModels_RankBySpend()
    {
        var (_, keys) = await _host.GetAsync("/global/spend/keys?limit=2");
        Assert.Equal([8.0, 4.0], keys.EnumerateArray().Select(k => k.GetProperty("total_spend").GetDouble()));
        var (_, models) = await _host.GetAsync("/global/spend/models");
        Assert.Equal([("gpt", 12.0), ("glm-pool", 3.0)],
            models.EnumerateArray().Select(m => (m.GetProperty("model").GetString(), m.GetProperty("total_spend").GetDouble())));
    }

    [Fact]
    public async Task GlobalSpendDeployments_GroupsPerDayWithinDays()
    {
        var (status, json) = await _host.GetAsync("/global/spend/deployments?days=2");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([("2026-11-20", "d2", 2, 1, 12.0), ("2026-11-19", "d1", 1, 0, 2.0)],
            json.EnumerateArray().Select(r => (r.GetProperty("date").GetString(), r.GetProperty("deployment_id").GetString(),
                r.GetProperty("requests").GetInt32(), r.GetProperty("failures").GetInt32(), r.GetProperty("spend").GetDouble())));
    }
}
