using Switchboard.Storage;

namespace Switchboard.Tests.Storage;

/// <summary>
/// The usage rollups (per minute and per hour) that the dashboard reads: always equal to the raw rows' aggregates.
/// Runs on SQLite here and on a real PostgreSQL in the integration tests, which compile this same file.
/// </summary>
public abstract class UsageRollupTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private IGatewayStore? _store;

    private protected IGatewayStore Store => _store ?? throw new InvalidOperationException("not initialised");

    private protected IUsageReports Reports => (IUsageReports)Store;

    private protected abstract Task<IGatewayStore> CreateStoreAsync();

    public async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.MigrateAsync(CancellationToken.None);
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    private static UsageRecord Row(Random random, DateTimeOffset time)
    {
        string?[] keys = [null, "hash-a", "hash-b", "hash-c"];
        string?[] deployments = [null, "d1", "d2", "d3"];
        string[] groups = ["glm-pool", "gpt-4o"];
        int[] statuses = [200, 200, 200, 429, 500];
        var key = keys[random.Next(keys.Length)];
        return new UsageRecord
        {
            Time = time,
            RequestId = Guid.NewGuid().ToString("N"),
            KeyHash = key,
            KeyAlias = key is null ? null : "alias-" + key,
            ModelGroup = groups[random.Next(groups.Length)],
            DeploymentId = deployments[random.Next(deployments.Length)],
            HttpStatus = statuses[random.Next(statuses.Length)],
            PromptTokens = random.Next(0, 5000),
            CompletionTokens = random.Next(0, 2000),
            Cost = Math.Round(random.NextDouble() / 100, 6),
            LatencyMs = Math.Round(random.NextDouble() * 3000, 1),
        };
    }

    private static List<UsageRollupRow> Aggregate(IEnumerable<UsageRecord> rows, long stepMs) =>
        [.. rows
            .GroupBy(r => (Bucket: r.Time.ToUnixTimeMilliseconds() / stepMs * stepMs, r.KeyHash, r.ModelGroup, r.DeploymentId))
            .Select(g => new UsageRollupRow(DateTimeOffset.FromUnixTimeMilliseconds(g.Key.Bucket), g.Key.KeyHash, g.Key.ModelGroup,
                g.Key.DeploymentId, g.Count(), g.Count(r => r.HttpStatus >= 400), g.Sum(r => r.PromptTokens), g.Sum(r => r.CompletionTokens),
                g.Sum(r => r.Cost), g.Sum(r => r.LatencyMs)))
            .OrderBy(r => r.Bucket).ThenBy(r => r.KeyHash, StringComparer.Ordinal).ThenBy(r => r.ModelGroup, StringComparer.Ordinal)
            .ThenBy(r => r.DeploymentId, StringComparer.Ordinal)];

    private static void AssertSame(IReadOnlyList<UsageRollupRow> expected, IReadOnlyList<UsageRollupRow> actual)
    {
        static string Id(UsageRollupRow r) => $"{r.Bucket:o}|{r.KeyHash}|{r.ModelGroup}|{r.DeploymentId}";
        Assert.Equal(expected.Select(Id).Order(StringComparer.Ordinal), actual.Select(Id).Order(StringComparer.Ordinal));
        var byId = actual.ToDictionary(Id);
        foreach (var e in expected)
        {
            var a = byId[Id(e)];
            Assert.Equal((e.Requests, e.Failures, e.PromptTokens, e.CompletionTokens), (a.Requests, a.Failures, a.PromptTokens, a.CompletionTokens));
            Assert.Equal(e.Cost, a.Cost, 9);
            Assert.Equal(e.LatencyMsSum, a.LatencyMsSum, 6);
        }
    }

    private async Task<List<UsageRecord>> RawRowsAsync()
    {
        var all = new List<UsageRecord>();
        for (var page = 1; ; page++)
        {
            var result = await Store.QueryUsageAsync(new UsageQuery { Page = page, PageSize = 1000 }, CancellationToken.None);
            all.AddRange(result.Items);
            if (page >= result.TotalPages)
            {
                return all;
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task WriteUsageAsync_RandomBatchesWithRetries_RollupsEqualRawAggregates(int seed)
    {
        var random = new Random(seed);
        var written = new List<UsageRecord>();
        for (var batch = 0; batch < 12; batch++)
        {
            var rows = Enumerable.Range(0, random.Next(1, 60))
                .Select(_ => Row(random, T0.AddMilliseconds(random.NextInt64(0, 20 * 3_600_000)))).ToList();
            await Store.WriteUsageAsync(rows, CancellationToken.None);
            written.AddRange(rows);
            if (random.Next(3) == 0)
            {
                // A batch written again (its commit's acknowledgement lost): stored once, summed once.
                await Store.WriteUsageAsync(rows, CancellationToken.None);
            }
        }

        var raw = await RawRowsAsync();
        Assert.Equal(written.Count, raw.Count);
        var (from, to) = (T0.AddDays(-1), T0.AddDays(1));
        AssertSame(Aggregate(raw, 60_000), await Reports.GetRollupRowsAsync(RollupGrain.Minute, from, to, CancellationToken.None));
        AssertSame(Aggregate(raw, 3_600_000), await Reports.GetRollupRowsAsync(RollupGrain.Hour, from, to, CancellationToken.None));
        AssertSame(Aggregate(raw, 86_400_000), await Reports.GetRollupRowsAsync(RollupGrain.Day, from, to, CancellationToken.None));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public async Task WriteUsageAsync_OneLargeRandomBatchOverADayBoundary_RollupsEqualTheUsageRows(int seed)
    {
        // One batch whose rollup rows span hundreds of minute buckets, tens of hours and two days: on PostgreSQL all of them
        // go in the batch's one rollup statement.
        var random = new Random(seed);
        var start = new DateTimeOffset(2026, 11, 20, 23, 30, 0, TimeSpan.Zero);
        var rows = Enumerable.Range(0, 1500).Select(_ => Row(random, start.AddMilliseconds(random.NextInt64(-12 * 3_600_000L, 12 * 3_600_000L)))).ToList();

        await Store.WriteUsageAsync(rows, CancellationToken.None);

        var raw = await RawRowsAsync();
        Assert.Equal(rows.Count, raw.Count);
        var (from, to) = (start.AddDays(-1), start.AddDays(1));
        AssertSame(Aggregate(raw, 60_000), await Reports.GetRollupRowsAsync(RollupGrain.Minute, from, to, CancellationToken.None));
        AssertSame(Aggregate(raw, 3_600_000), await Reports.GetRollupRowsAsync(RollupGrain.Hour, from, to, CancellationToken.None));
        AssertSame(Aggregate(raw, 86_400_000), await Reports.GetRollupRowsAsync(RollupGrain.Day, from, to, CancellationToken.None));
        Assert.Equal(2, (await Reports.GetRollupRowsAsync(RollupGrain.Day, from, to, CancellationToken.None)).Select(r => r.Bucket).Distinct().Count());
    }

    [Fact]
    public async Task GetUsageSeriesAsync_HourlyStepsFromMinutes_SumEachHour()
    {
        var random = new Random(7);
        var rows = Enumerable.Range(0, 200).Select(_ => Row(random, T0.AddMinutes(random.Next(0, 180)))).ToList();
        await Store.WriteUsageAsync(rows, CancellationToken.None);

        var series = await Reports.GetUsageSeriesAsync(RollupGrain.Minute, T0, T0.AddHours(3), 3_600_000, CancellationToken.None);

        Assert.Equal([T0, T0.AddHours(1), T0.AddHours(2)], series.Select(b => b.Start));
        for (var h = 0; h < 3; h++)
        {
            var hour = rows.Where(r => r.Time >= T0.AddHours(h) && r.Time < T0.AddHours(h + 1)).ToList();
            Assert.Equal(hour.Count, series[h].Requests);
            Assert.Equal(hour.Count(r => r.HttpStatus >= 400), series[h].Failures);
            Assert.Equal(hour.Sum(r => r.PromptTokens), series[h].PromptTokens);
            Assert.Equal(hour.Sum(r => r.Cost), series[h].Cost, 9);
        }
    }

    [Fact]
    public async Task GetUsageBreakdownAsync_ByKey_NamesKeysByAliasMostCostFirst()
    {
        await Store.InsertKeyAsync(new VirtualKeyRecord
        {
            KeyHash = "hash-a",
            KeyAlias = "team-a",
            KeyPreview = "sk-...aaaa",
            CreatedAt = T0,
            UpdatedAt = T0,
        }, CancellationToken.None);
        UsageRecord Call(string? key, double cost, string deployment) => new()
        {
            Time = T0.AddMinutes(1),
            RequestId = Guid.NewGuid().ToString("N"),
            KeyHash = key,
            ModelGroup = "glm-pool",
            DeploymentId = deployment,
            HttpStatus = 200,
            PromptTokens = 10,
            CompletionTokens = 5,
            Cost = cost,
        };
        await Store.WriteUsageAsync([Call("hash-a", 0.5, "d1"), Call("hash-a", 0.25, "d2"), Call("hash-z", 2, "d1"), Call(null, 0.1, "d1")],
            CancellationToken.None);

        var byKey = await Reports.GetUsageBreakdownAsync(RollupGrain.Hour, UsageDimension.Key, T0, T0.AddHours(1), 10, CancellationToken.None);
        var byDeployment = await Reports.GetUsageBreakdownAsync(RollupGrain.Minute, UsageDimension.Deployment, T0, T0.AddHours(1), 10,
            CancellationToken.None);

        Assert.Equal([("hash-z", null), ("hash-a", "team-a"), (null, null)], byKey.Select(s => (s.KeyHash, s.Name)));
        Assert.Equal([1L, 2L, 1L], byKey.Select(s => s.Requests));
        Assert.Equal(0.75, byKey[1].Cost, 9);
        Assert.Equal(["d1", "d2"], byDeployment.Select(s => s.Name));
        Assert.Equal(3, byDeployment[0].Requests);
    }

    [Fact]
    public async Task WriteUsageAsync_RowsTwoDaysLater_PrunesOldMinutesKeepsHours()
    {
        var random = new Random(3);
        await Store.WriteUsageAsync([Row(random, T0)], CancellationToken.None);
        await Store.WriteUsageAsync([Row(random, T0.AddDays(3))], CancellationToken.None);

        var minutes = await Reports.GetRollupRowsAsync(RollupGrain.Minute, T0.AddDays(-1), T0.AddDays(4), CancellationToken.None);
        var hours = await Reports.GetRollupRowsAsync(RollupGrain.Hour, T0.AddDays(-1), T0.AddDays(4), CancellationToken.None);

        Assert.Equal([T0.AddDays(3)], minutes.Select(r => r.Bucket));
        Assert.Equal([T0, T0.AddDays(3)], hours.Select(r => r.Bucket));
    }

    [Fact]
    public async Task GetRecentUsageAsync_FailedFilter_NewestFailuresOnly()
    {
        var random = new Random(11);
        var rows = Enumerable.Range(0, 40).Select(i => Row(random, T0.AddSeconds(i))).ToList();
        await Store.WriteUsageAsync(rows, CancellationToken.None);

        var failed = await Reports.GetRecentUsageAsync(new UsageQuery { Failed = true, ModelGroup = "glm-pool" }, 5, CancellationToken.None);

        var expected = rows.Where(r => r.HttpStatus >= 400 && r.ModelGroup == "glm-pool").OrderByDescending(r => r.Time).Take(5);
        Assert.Equal(expected.Select(r => r.RequestId), failed.Select(r => r.RequestId));
    }
}
