using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Storage;
using Switchboard.Tests.Storage;
using Switchboard.Usage;

namespace Switchboard.Tests.Usage;

public sealed class UsageSinkTests
{
    private static readonly UsageSinkOptions FastRetry = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(5),
        FlushInterval = TimeSpan.FromMilliseconds(5),
    };

    private static UsageRecord Record(int i) => new()
    {
        Time = DateTimeOffset.UnixEpoch.AddSeconds(i),
        RequestId = $"req-{i:D5}",
        KeyHash = "h1",
        ModelGroup = "glm-pool",
        Cost = 0.001,
    };

    private static async Task<HashSet<string>> RequestIdsAsync(SqliteGatewayStore store)
    {
        var page = await store.QueryUsageAsync(new UsageQuery { PageSize = 1000 }, CancellationToken.None);
        var ids = page.Items.Select(r => r.RequestId).ToList();
        for (var p = 2; p <= page.TotalPages; p++)
        {
            ids.AddRange((await store.QueryUsageAsync(new UsageQuery { Page = p, PageSize = 1000 }, CancellationToken.None))
                .Items.Select(r => r.RequestId));
        }

        Assert.Equal(ids.Count, ids.Distinct().Count());
        return [.. ids];
    }

    [Fact]
    public async Task DrainAsync_After2000ConcurrentEnqueues_StoresExactly2000Rows()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        await using var sink = new UsageSink(temp.Store, TimeProvider.System, NullLogger<UsageSink>.Instance);
        sink.Start();

        var accepted = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, (i, _) =>
        {
            if (sink.TryEnqueue(Record(i)))
            {
                Interlocked.Increment(ref accepted);
            }

            return ValueTask.CompletedTask;
        });
        await sink.DrainAsync(CancellationToken.None);

        Assert.Equal(2000, accepted);
        Assert.Equal(2000, (await RequestIdsAsync(temp.Store)).Count);
        Assert.Equal((2000L, 0L, 0L), (sink.Written, sink.Pending, sink.Dropped));
    }

    [Fact]
    public async Task Writer_Idle_WakesForEachNewRecordWithoutADrain()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        await using var sink = new UsageSink(temp.Store, TimeProvider.System, NullLogger<UsageSink>.Instance, FastRetry);
        sink.Start();

        for (var i = 1; i <= 3; i++)
        {
            // Let the writer go idle (waiting for a record), then give it one.
            await Task.Delay(50);
            Assert.True(sink.TryEnqueue(Record(i)));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (sink.Written < i && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }

            Assert.Equal(i, sink.Written);
        }

        Assert.Equal(3, (await RequestIdsAsync(temp.Store)).Count);
    }

    [Fact]
    public async Task DrainAsync_StoreFailsThenRecovers_LosesNoRecord()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        var flaky = new FlakyGatewayStore(temp.Store) { Failing = true };
        var failures = new SemaphoreSlim(0);
        flaky.Failed += () => failures.Release();
        await using var sink = new UsageSink(flaky, TimeProvider.System, NullLogger<UsageSink>.Instance, FastRetry);
        sink.Start();

        for (var i = 0; i < 1200; i++)
        {
            Assert.True(sink.TryEnqueue(Record(i)));
        }

        // Let the writer fail a few times with everything queued, then bring the database back.
        for (var i = 0; i < 3; i++)
        {
            await failures.WaitAsync();
        }

        Assert.Equal(0, sink.Written);
        Assert.True(sink.FailedBatches >= 3);
        flaky.Failing = false;
        await sink.DrainAsync(CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 1200).Select(i => $"req-{i:D5}").ToHashSet(), await RequestIdsAsync(temp.Store));
        Assert.Equal((1200L, 0L, 0L), (sink.Written, sink.Pending, sink.Dropped));
        Assert.Equal(1.2, (await temp.Store.GetGlobalSpendAsync(null, null, CancellationToken.None)).Spend, 9);
    }

    [Fact]
    public async Task Fill_BufferBeyondBound_DropsOldestAndCountsThem()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        var flaky = new FlakyGatewayStore(temp.Store) { Failing = true };
        var failures = new SemaphoreSlim(0);
        flaky.Failed += () => failures.Release();
        await using var sink = new UsageSink(flaky, TimeProvider.System, NullLogger<UsageSink>.Instance, FastRetry with { MaxBuffered = 100 });
        sink.Start();

        for (var i = 0; i < 300; i++)
        {
            Assert.True(sink.TryEnqueue(Record(i)));
        }

        // Forget failures counted while enqueuing; of the next two, the second began with a fill after the last enqueue.
        while (failures.Wait(0))
        {
        }

        await failures.WaitAsync();
        await failures.WaitAsync();
        flaky.Failing = false;
        await sink.DrainAsync(CancellationToken.None);

        Assert.Equal(Enumerable.Range(200, 100).Select(i => $"req-{i:D5}").ToHashSet(), await RequestIdsAsync(temp.Store));
        Assert.Equal((100L, 200L, 0L), (sink.Written, sink.Dropped, sink.Pending));
    }

    [Fact]
    public async Task TryEnqueue_QueueAtCapacity_RefusesUntilTheWriterTakesRecords()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        await using var sink = new UsageSink(temp.Store, TimeProvider.System, NullLogger<UsageSink>.Instance, FastRetry with { Capacity = 10 });

        // Not started: nothing leaves the queue.
        Assert.All(Enumerable.Range(0, 10), i => Assert.True(sink.TryEnqueue(Record(i))));
        Assert.False(sink.TryEnqueue(Record(10)));
        Assert.Equal((1L, 10L), (sink.Dropped, sink.Pending));

        sink.Start();
        while (sink.Written < 10)
        {
            await Task.Delay(5);
        }

        Assert.True(sink.TryEnqueue(Record(11)));
        await sink.DrainAsync(CancellationToken.None);
        Assert.Equal((11L, 1L, 0L), (sink.Written, sink.Dropped, sink.Pending));
    }

    [Fact]
    public async Task Writer_BehindASlowStore_CatchesUpWithBiggerBatches()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        var slow = new FlakyGatewayStore(temp.Store) { Gate = new SemaphoreSlim(0) };
        var options = FastRetry with { BatchSize = 100, MaxBatchSize = 1000 };
        await using var sink = new UsageSink(slow, TimeProvider.System, NullLogger<UsageSink>.Instance, options);
        sink.Start();

        // The first batch is held in the store while 2,500 more records arrive.
        Assert.True(sink.TryEnqueue(Record(0)));
        while (slow.BatchSizes.IsEmpty)
        {
            await Task.Delay(5);
        }

        Assert.All(Enumerable.Range(1, 2500), i => Assert.True(sink.TryEnqueue(Record(i))));
        slow.Gate.Release(1000);
        await sink.DrainAsync(CancellationToken.None);

        // 1 + 2,500 in batches no larger than MaxBatchSize: the backlog goes in 1,000s, not in 100s.
        Assert.Equal([1, 1000, 1000, 500], slow.BatchSizes.ToArray());
        Assert.Equal((2501L, 0L, 0L), (sink.Written, sink.Pending, sink.Dropped));
    }

    [Fact]
    public async Task TryEnqueue_AfterDrain_ReturnsFalseAndCountsDrop()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        await using var sink = new UsageSink(temp.Store, TimeProvider.System, NullLogger<UsageSink>.Instance);
        await sink.DrainAsync(CancellationToken.None);
        Assert.False(sink.TryEnqueue(Record(1)));
        Assert.Equal(1, sink.Dropped);
    }

    [Fact]
    public async Task DrainAsync_StoreNeverRecovers_GivesUpWhenCancelledAndReportsPending()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        var flaky = new FlakyGatewayStore(temp.Store) { Failing = true };
        var failures = new SemaphoreSlim(0);
        flaky.Failed += () => failures.Release();
        await using var sink = new UsageSink(flaky, TimeProvider.System, NullLogger<UsageSink>.Instance, FastRetry);
        sink.TryEnqueue(Record(1));
        using var giveUp = new CancellationTokenSource();
        var drain = sink.DrainAsync(giveUp.Token);
        await failures.WaitAsync();
        await giveUp.CancelAsync();
        await drain;
        Assert.Equal((0L, 1L), (sink.Written, sink.Pending));
    }
}
