using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.Storage;
using Switchboard.Usage;

namespace Switchboard.IntegrationTests.Storage;

/// <summary>PostgreSQL goes away mid-run and comes back: the usage sink keeps the records and loses none.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOutageTests(PostgresServer server)
{
    private static UsageRecord Record(int i) => new()
    {
        Time = DateTimeOffset.UnixEpoch.AddSeconds(i),
        RequestId = $"req-{i:D5}",
        ModelGroup = "glm-pool",
        Cost = 0.01,
    };

    [Fact]
    public async Task UsageSink_DatabaseStopsAndRestarts_LosesNoRecord()
    {
        var connectionString = await server.CreateDatabaseAsync() + ";Timeout=2;Command Timeout=5";
        await using var store = new PostgresGatewayStore(connectionString);
        await store.MigrateAsync(CancellationToken.None);
        var options = new UsageSinkOptions
        {
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
            FlushInterval = TimeSpan.FromMilliseconds(10),
        };
        await using var sink = new UsageSink(store, TimeProvider.System, NullLogger<UsageSink>.Instance, options);
        sink.Start();

        for (var i = 0; i < 500; i++)
        {
            Assert.True(sink.TryEnqueue(Record(i)));
        }

        await server.StopAsync();
        try
        {
            for (var i = 500; i < 1500; i++)
            {
                Assert.True(sink.TryEnqueue(Record(i)));
            }

            // Wait (bounded) until the writer has hit the outage, so the retry path is what gets tested.
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (sink.FailedBatches == 0)
            {
                await Task.Delay(20, wait.Token);
            }
        }
        finally
        {
            await server.StartAsync();
        }

        using var drainLimit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await sink.DrainAsync(drainLimit.Token);

        Assert.Equal((1500L, 0L, 0L), (sink.Written, sink.Pending, sink.Dropped));
        var total = await store.GetGlobalSpendAsync(null, null, CancellationToken.None);
        Assert.Equal(1500, total.Requests);
        var ids = new HashSet<string>();
        for (var page = 1; page <= 2; page++)
        {
            var rows = await store.QueryUsageAsync(new UsageQuery { Page = page, PageSize = 1000 }, CancellationToken.None);
            ids.UnionWith(rows.Items.Select(r => r.RequestId));
        }

        Assert.Equal(1500, ids.Count);
    }
}
