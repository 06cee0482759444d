using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Switchboard.Hosting;

/// <summary>What <see cref="QuietCollection"/> reads of the GC and asks of it (the runtime's, or a test's).</summary>
internal interface IHeapControl
{
    /// <summary>Memory the GC has committed (as of its last collection).</summary>
    long CommittedBytes { get; }

    /// <summary>A full, compacting collection that hands the free space back to the operating system.</summary>
    void CollectAndDecommit();
}

/// <summary>The runtime's GC.</summary>
internal sealed class RuntimeHeapControl : IHeapControl
{
    public static readonly RuntimeHeapControl Instance = new();

    public long CommittedBytes => GC.GetGCMemoryInfo().TotalCommittedBytes;

    public void CollectAndDecommit() => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}

/// <summary>
/// One full collection when the gateway goes quiet after a burst. Streams live for seconds, so under a burst of them
/// the GC promotes them and they die in gen2, which it collects seldom; once the burst is over nothing collects or
/// decommits, and the process keeps the burst's peak RSS until the next burst (docs/benchmarks.md, "Memory: idle and
/// 1,000 concurrent streams"). This looks every <see cref="CheckEvery"/>: when no call has started and none has been in
/// flight for <see cref="QuietFor"/>, and the GC's committed memory has grown by at least <see cref="Growth"/> since the
/// last such collection (or since the start), it collects once with <see cref="GCCollectionMode.Aggressive"/>, which
/// decommits what the collection frees. It never runs while calls come in: any call started or in flight resets the
/// quiet time, and a quiet period collects at most once. A call that arrives during the collection (tens of
/// milliseconds on a heap of tens of MB) waits for it.
/// </summary>
internal sealed class QuietCollection(TimeProvider time, Func<long> callsStarted, Func<int> callsInFlight, IHeapControl heap, ILogger logger)
    : IHostedService, IDisposable
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(5);
    public const long Growth = 16 * Mebibyte;
    private const long Mebibyte = 1024 * 1024;

    private readonly Lock _gate = new();
    private ITimer? _timer;
    private long _lastStarted = -1;
    private long _quietSince;
    private bool _collectedThisQuiet;
    private long _committedAfterLast = -1;

    /// <summary>Collections made so far.</summary>
    public int Collections { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _committedAfterLast = heap.CommittedBytes;
        _quietSince = time.GetTimestamp();
        _timer = time.CreateTimer(_ => Check(), null, CheckEvery, CheckEvery);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>One look (the timer's callback).</summary>
    internal void Check()
    {
        lock (_gate)
        {
            var started = callsStarted();
            if (started != _lastStarted || callsInFlight() > 0)
            {
                _lastStarted = started;
                _quietSince = time.GetTimestamp();
                _collectedThisQuiet = false;
                return;
            }

            if (_collectedThisQuiet || time.GetElapsedTime(_quietSince) < QuietFor)
            {
                return;
            }

            _collectedThisQuiet = true; // looked once this quiet period, whether it collects or not
            if (heap.CommittedBytes - _committedAfterLast < Growth)
            {
                return;
            }

            var before = heap.CommittedBytes;
            var collecting = time.GetTimestamp();
            heap.CollectAndDecommit();
            Collections++;
            _committedAfterLast = heap.CommittedBytes;
            Log.CollectedWhenQuiet(logger, before / Mebibyte, _committedAfterLast / Mebibyte, (long)time.GetElapsedTime(collecting).TotalMilliseconds);
        }
    }
}
