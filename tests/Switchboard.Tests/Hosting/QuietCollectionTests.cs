using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Hosting;

namespace Switchboard.Tests.Hosting;

public sealed class QuietCollectionTests
{
    private const long MiB = 1024 * 1024;

    private sealed class FakeHeap : IHeapControl
    {
        public long CommittedBytes { get; set; } = 20 * MiB;

        public long CommittedAfterCollection { get; set; } = 20 * MiB;

        public int Collections { get; private set; }

        public void CollectAndDecommit()
        {
            Collections++;
            CommittedBytes = CommittedAfterCollection;
        }
    }

    private sealed class Rig : IDisposable
    {
        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

        public FakeHeap Heap { get; } = new();

        public long Started { get; set; }

        public int InFlight { get; set; }

        public QuietCollection Collection { get; }

        public Rig()
        {
            Collection = new QuietCollection(Time, () => Started, () => InFlight, Heap, NullLogger.Instance);
            Collection.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        /// <summary>Seconds of fake time, one timer tick at a time.</summary>
        public void Pass(int seconds)
        {
            for (var i = 0; i < seconds; i++)
            {
                Time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        /// <summary>A burst: calls start every second for that many seconds and the heap grows.</summary>
        public void Burst(int seconds, long growth)
        {
            for (var i = 0; i < seconds; i++)
            {
                Started += 100;
                InFlight = 100;
                Time.Advance(TimeSpan.FromSeconds(1));
            }

            Heap.CommittedBytes += growth;
            InFlight = 0;
        }

        public void Dispose() => Collection.Dispose();
    }

    [Fact]
    public void Check_QuietAfterBurst_CollectsOnceAfterQuietTime()
    {
        using var rig = new Rig();
        rig.Burst(10, growth: 100 * MiB);

        rig.Pass(4);
        Assert.Equal(0, rig.Heap.Collections);
        rig.Pass(3);
        Assert.Equal(1, rig.Heap.Collections);
        rig.Pass(120);
        Assert.Equal(1, rig.Heap.Collections);
        Assert.Equal(1, rig.Collection.Collections);
    }

    [Fact]
    public void Check_CallsInFlight_NeverCollects()
    {
        using var rig = new Rig();
        rig.Burst(10, growth: 100 * MiB);
        rig.InFlight = 1000; // long streams: nothing starts, but they are open

        rig.Pass(300);

        Assert.Equal(0, rig.Heap.Collections);
    }

    [Fact]
    public void Check_CallsKeepStarting_NeverCollects()
    {
        using var rig = new Rig();
        rig.Heap.CommittedBytes += 100 * MiB;
        for (var i = 0; i < 300; i++)
        {
            rig.Started++; // one short call a second: never in flight when the timer looks
            rig.Pass(1);
        }

        Assert.Equal(0, rig.Heap.Collections);
    }

    [Fact]
    public void Check_HeapGrewLessThanThreshold_DoesNotCollect()
    {
        using var rig = new Rig();
        rig.Burst(10, growth: QuietCollection.Growth - MiB);

        rig.Pass(60);

        Assert.Equal(0, rig.Heap.Collections);
    }

    [Fact]
    public void Check_SecondBurst_CollectsAgainOnlyWhenHeapGrewAgain()
    {
        using var rig = new Rig();
        rig.Burst(10, growth: 100 * MiB);
        rig.Pass(10);
        Assert.Equal(1, rig.Heap.Collections);

        rig.Burst(2, growth: MiB); // a few calls: the heap barely grows
        rig.Pass(10);
        Assert.Equal(1, rig.Heap.Collections);

        rig.Burst(10, growth: 80 * MiB);
        rig.Pass(10);
        Assert.Equal(2, rig.Heap.Collections);
    }

    [Fact]
    public void Check_CallStartsDuringQuietTime_RestartsQuietTime()
    {
        using var rig = new Rig();
        rig.Burst(10, growth: 100 * MiB);
        rig.Pass(4);
        rig.Started++;
        rig.Pass(4);
        Assert.Equal(0, rig.Heap.Collections);

        rig.Pass(3);
        Assert.Equal(1, rig.Heap.Collections);
    }

    [Fact]
    public async Task StopAsync_AfterStop_NoMoreChecks()
    {
        using var rig = new Rig();
        await rig.Collection.StopAsync(CancellationToken.None);
        rig.Burst(10, growth: 100 * MiB);

        rig.Pass(60);

        Assert.Equal(0, rig.Heap.Collections);
    }
}
