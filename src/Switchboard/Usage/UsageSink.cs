using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Storage;

namespace Switchboard.Usage;

/// <summary>
/// Takes usage records off the request path: <see cref="TryEnqueue"/> never blocks, a background writer stores them
/// in batches, and a stop drains what is queued. When the store fails the records stay in memory (bounded) and are
/// retried with backoff while the gateway keeps serving. Register it as a hosted service so that shutdown drains it.
/// </summary>
internal sealed class UsageSink : IHostedService, IAsyncDisposable
{
    private readonly IGatewayStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly UsageSinkOptions _options;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenSource _draining = new();
    private readonly Lock _startLock = new();
    private DedicatedThreadScheduler? _writer;
    private Task? _loop;

    // Guarded by _gate: what request threads have queued since the writer last took it, and how the writer waits.
    private PendingUsage[] _incoming = new PendingUsage[256];
    private int _incomingCount;
    private bool _completed;
    private TaskCompletionSource? _wake;

    private long _enqueued;
    private long _written;
    private long _failedBatches;
    private long _rejected;
    private long _evicted;

    public UsageSink(IGatewayStore store, TimeProvider time, ILogger<UsageSink> logger, UsageSinkOptions? options = null)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _options = options ?? new UsageSinkOptions();
    }

    /// <summary>Records stored so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records accepted but not yet stored (queued or held for retry).</summary>
    public long Pending => Interlocked.Read(ref _enqueued) - Interlocked.Read(ref _written) - Interlocked.Read(ref _evicted);

    /// <summary>Store writes that threw.</summary>
    public long FailedBatches => Interlocked.Read(ref _failedBatches);

    /// <summary>Records lost: refused because the channel was full or closed, or evicted from the retry buffer.</summary>
    public long Dropped => Interlocked.Read(ref _rejected) + Interlocked.Read(ref _evicted);

    /// <summary>Queues a record; false (and counted in <see cref="Dropped"/>) when the queue is full or the sink stopped.</summary>
    /// <remarks>Copies the record into a reused array (see <see cref="PendingUsage"/>): the record itself can die young.</remarks>
    public bool TryEnqueue(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return TryEnqueue(new PendingUsage(record));
    }

    /// <summary>Queues a call's usage as the sink holds it: no record object on the request path (docs/benchmarks.md).</summary>
    public bool TryEnqueue(in PendingUsage pending)
    {
        TaskCompletionSource? wake = null;
        var accepted = false;
        lock (_gate)
        {
            if (!_completed && _incomingCount < _options.Capacity)
            {
                if (_incomingCount == _incoming.Length)
                {
                    Array.Resize(ref _incoming, Math.Min(_incoming.Length * 2, _options.Capacity));
                }

                _incoming[_incomingCount++] = pending;
                accepted = true;
                wake = _wake;
                _wake = null;
            }
        }

        if (accepted)
        {
            Interlocked.Increment(ref _enqueued);
            wake?.TrySetResult();
            return true;
        }

        var rejected = Interlocked.Increment(ref _rejected);
        if (rejected == 1 || rejected % 1000 == 0)
        {
            Log.UsageRecordsDropped(_logger, Dropped, "queue full or sink stopped");
        }

        return false;
    }

    /// <summary>Starts the background writer (idempotent).</summary>
    private int _disposed;

    public void Start()
    {
        lock (_startLock)
        {
            if (_loop is null)
            {
                // Its own thread: an SQLite batch is synchronous CPU work (milliseconds per batch under load), and on the
                // thread pool it held a worker that socket completions were queued behind.
                _writer = new DedicatedThreadScheduler("switchboard-usage-writer");
                _loop = _writer.Start(() => RunAsync(_abort.Token));
            }
        }
    }

    /// <summary>
    /// Stops accepting records and returns once every queued record is stored, still retrying a failing store,
    /// or when <paramref name="cancellationToken"/> gives up (the rest is logged as lost).
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        Complete();
        Start();
        await _draining.CancelAsync();
        try
        {
            await _loop!.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _abort.CancelAsync();
            Log.UsageDrainIncomplete(_logger, Pending);
        }
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The host stops the server first (in-flight calls finish within <c>graceful_shutdown_s</c> and queue their records),
    /// then this: its own <see cref="UsageSinkOptions.DrainTimeout"/>, since the host's token may be spent by then.
    /// </summary>
    async Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        using var drain = new CancellationTokenSource(_options.DrainTimeout, _time);
        await DrainAsync(drain.Token);
    }

    public async ValueTask DisposeAsync()
    {
        // The container may dispose it twice: as a singleton and as the hosted service resolved from it.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _abort.CancelAsync();
        Complete();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _writer?.Dispose();
        _abort.Dispose();
        _draining.Dispose();
    }

    /// <summary>No more records are accepted; the writer stores what is queued and ends.</summary>
    private void Complete()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _completed = true;
            wake = _wake;
            _wake = null;
        }

        wake?.TrySetResult();
    }

    private async Task RunAsync(CancellationToken abort)
    {
        var buffer = new List<PendingUsage>();
        var spare = new PendingUsage[_incoming.Length];
        var backoff = _options.InitialBackoff;
        var failing = false;
        try
        {
            while (true)
            {
                Fill(buffer, ref spare);
                if (buffer.Count == 0)
                {
                    TaskCompletionSource? wait = null;
                    lock (_gate)
                    {
                        if (_incomingCount == 0)
                        {
                            if (_completed)
                            {
                                return;
                            }

                            wait = _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        }
                    }

                    if (wait is not null)
                    {
                        await wait.Task.WaitAsync(abort);
                    }

                    continue;
                }

                if (buffer.Count < _options.BatchSize && !_draining.IsCancellationRequested)
                {
                    await LingerAsync(abort);
                    Fill(buffer, ref spare);
                }

                // Behind (more waiting than a batch): bigger batches, so that per-batch costs stop holding the writer back.
                var count = Math.Min(Math.Max(_options.BatchSize, _options.MaxBatchSize), buffer.Count);
                try
                {
                    await _store.WriteUsageAsync(new PendingBatch(buffer, count), abort);
                }
                catch (Exception e)
                {
                    if (abort.IsCancellationRequested)
                    {
                        return;
                    }

                    Interlocked.Increment(ref _failedBatches);
                    failing = true;
                    Log.UsageWriteFailed(_logger, count, buffer.Count, (long)backoff.TotalMilliseconds, e);
                    await Task.Delay(backoff, _time, abort);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                    continue;
                }

                buffer.RemoveRange(0, count);
                Interlocked.Add(ref _written, count);
                backoff = _options.InitialBackoff;
                if (failing)
                {
                    failing = false;
                    Log.UsageStoreRecovered(_logger, FailedBatches);
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
        }
    }

    private async Task LingerAsync(CancellationToken abort)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(abort, _draining.Token);
        try
        {
            await Task.Delay(_options.FlushInterval, _time, linked.Token);
        }
        catch (OperationCanceledException) when (!abort.IsCancellationRequested)
        {
            // Draining started: write now.
        }
    }

    /// <summary>Moves queued records into the buffer, evicting the oldest beyond <see cref="UsageSinkOptions.MaxBuffered"/>.</summary>
    /// <remarks>Swaps arrays under the lock (request threads wait for a swap, not a copy) and clears the taken one for reuse.</remarks>
    private void Fill(List<PendingUsage> buffer, ref PendingUsage[] spare)
    {
        PendingUsage[] taken;
        int count;
        lock (_gate)
        {
            if (_incomingCount == 0)
            {
                return;
            }

            taken = _incoming;
            count = _incomingCount;
            _incoming = spare.Length >= taken.Length ? spare : new PendingUsage[taken.Length];
            _incomingCount = 0;
        }

        buffer.AddRange(taken.AsSpan(0, count));
        Array.Clear(taken, 0, count);
        spare = taken;

        var excess = buffer.Count - _options.MaxBuffered;
        if (excess > 0)
        {
            buffer.RemoveRange(0, excess);
            Interlocked.Add(ref _evicted, excess);
            Log.UsageRecordsDropped(_logger, Dropped,
                "the store is failing or slower than calls arrive, and the in-memory buffer is full; oldest dropped");
        }
    }
}
