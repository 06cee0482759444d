using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using StackExchange.Redis;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.MockProvider;

namespace Switchboard.IntegrationTests.Cluster;

/// <summary>
/// Calls counted by one instance alone while Redis is away reach Redis when it is back (the outage journal, architecture
/// decision 6): a virtual key's spend and rpm window, and the concurrency leases of calls still running. Redis is killed
/// and started again empty (no persistence), the harder case: only the journals can bring the counts back.
/// </summary>
public sealed class OutageMergeTests : IAsyncLifetime
{
    private const string Master = "sk-master-merge-0123456789";
    private readonly ClusterRig _cluster = new();
    private readonly string _database = Path.Combine(Path.GetTempPath(), "switchboard-merge-" + Guid.NewGuid().ToString("N") + ".db");

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task KeyCallsOnADuringOutage_RedisBack_SpendAndRpmWindowCountOnB()
    {
        var deployment = Configs.Http("glm", "mg-key", _cluster.Mock.BaseUrl, "ok-merge-key") with
        {
            ModelInfo = new ModelInfoConfig { InputCostPerToken = 0.001, OutputCostPerToken = 0.001 },
        };
        var (a, b) = await StartTwoAsync(deployment);
        var key = await GenerateAsync(a, """{"rpm_limit":10,"max_budget":100}""");

        await _cluster.Redis.StopAsync();
        await SharedStateTests.EventuallyAsync(() => !a.Services.Shared.Connected && !b.Services.Shared.Connected);
        for (var i = 0; i < 4; i++)
        {
            using var response = await ChatAsync(a, key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await _cluster.Redis.StartAsync();
        await SharedStateTests.EventuallyAsync(() => a.Services.Shared.Connected && b.Services.Shared.Connected);
        using var redis = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:" + _cluster.Redis.Port.ToString(CultureInfo.InvariantCulture));
        var db = redis.GetDatabase();
        var server = redis.GetServer(redis.GetEndPoints().Single());
        RedisKey? rpmKey = null;
        await SharedStateTests.EventuallyAsync(() =>
        {
            rpmKey = server.Keys(pattern: "switchboard:{key:*}:rpm").Cast<RedisKey?>().FirstOrDefault();
            return rpmKey is not null && db.SortedSetLength(rpmKey.Value) == 4;
        });
        var hash = rpmKey!.Value.ToString().Split('{', '}')[1]["key:".Length..];

        // Redis came back empty: the key's spend there is what A counted alone.
        await SharedStateTests.EventuallyAsync(() => a.Services.Admission.GetSpend(hash) is { } spend && spend > 0 && Math.Abs(RedisSpend(db, hash) - spend) < 1e-9);
        var spendOnA = a.Services.Admission.GetSpend(hash)!.Value;
        var perCall = spendOnA / 4;

        // B never saw A's four calls: with them merged, B admits what is left of the key's rpm_limit 10.
        var admitted = 0;
        for (var i = 0; i < 10; i++)
        {
            using var response = await ChatAsync(b, key);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, response.StatusCode.ToString());
            admitted += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.InRange(admitted, 5, 7);
        await SharedStateTests.EventuallyAsync(() => Math.Abs(RedisSpend(db, hash) - ((4 + admitted) * perCall)) < perCall / 2);

        // B's own view of the key's spend (x-litellm-key-spend, /key/info) counts A's outage calls too.
        Assert.True(b.Services.Admission.GetSpend(hash) >= spendOnA + ((admitted - 1) * perCall) - (perCall / 2),
            $"B's spend {b.Services.Admission.GetSpend(hash)} misses A's {spendOnA}");
    }

    [Fact]
    public async Task CallsInFlightOnADuringOutage_RedisBack_LeasesRegisteredThenReleased()
    {
        var deployment = Configs.Http("glm", "mg-slots", _cluster.Mock.BaseUrl, "stall-merge-slots") with { MaxParallelRequests = 5 };
        var (a, _) = await StartTwoAsync(deployment);
        await _cluster.Redis.StopAsync();
        await SharedStateTests.EventuallyAsync(() => !a.Services.Shared.Connected);

        using var stop = new CancellationTokenSource();
        var calls = Enumerable.Range(0, 3).Select(_ => HoldStreamAsync(a, stop.Token)).ToList();
        await SharedStateTests.EventuallyAsync(() => _cluster.Mock.Stats["stall-merge-slots"].InFlight == 3);

        await _cluster.Redis.StartAsync();
        await SharedStateTests.EventuallyAsync(() => a.Services.Shared.Connected);
        using var redis = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:" + _cluster.Redis.Port.ToString(CultureInfo.InvariantCulture));
        var db = redis.GetDatabase();
        RedisKey slots = "switchboard:{dep:mg-slots}:slots";
        await SharedStateTests.EventuallyAsync(() => db.SortedSetLength(slots) == 3);
        Assert.All(db.SortedSetRangeByRankWithScores(slots),
            lease => Assert.True(lease.Score > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "a registered lease has a future expiry"));

        // The calls end: their leases, now ordinary ones, are removed from Redis.
        await stop.CancelAsync();
        await Task.WhenAll(calls);
        await SharedStateTests.EventuallyAsync(() => db.SortedSetLength(slots) == 0);
    }

    private static async Task HoldStreamAsync(TestGateway gateway, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"glm","stream":true,"messages":[{"role":"user","content":"hold"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
        try
        {
            using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
            await using var body = await response.Content.ReadAsStreamAsync(stop);
            var buffer = new byte[4096];
            while (await body.ReadAsync(buffer, stop) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
            // The client leaves: the call ends.
        }
    }

    private static double RedisSpend(IDatabase db, string hash) =>
        double.TryParse((string?)db.StringGet("switchboard:{key:" + hash + "}:spend:0"), NumberStyles.Float, CultureInfo.InvariantCulture, out var spend) ? spend : -1;

    private async Task<(TestGateway A, TestGateway B)> StartTwoAsync(DeploymentConfig deployment)
    {
        var config = new GatewayConfig
        {
            ModelList = [deployment],
            Router = new RouterSettings { RedisUrl = _cluster.Redis.Url },
            General = new GeneralSettings { MasterKey = Master },
        };
        var a = await _cluster.StartGatewayAsync(config, _database);
        var b = await _cluster.StartGatewayAsync(config, _database);
        await SharedStateTests.EventuallyAsync(() => a.Services.Shared.Connected && b.Services.Shared.Connected);
        return (a, b);
    }

    private static Task<HttpResponseMessage> ChatAsync(TestGateway gateway, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"glm","messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return gateway.Client.SendAsync(request);
    }

    private static async Task<string> GenerateAsync(TestGateway gateway, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/key/generate") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Master);
        using var response = await gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = System.Text.Json.JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("key").GetString()!;
    }
}
