using Microsoft.Extensions.Hosting;

namespace Switchboard.Api;

/// <summary>
/// Counts proxied calls until their exit path (usage record included) has run. At shutdown the server stops first:
/// calls in flight get <c>graceful_shutdown_s</c> to finish, then their connections are aborted and the server returns
/// without waiting for the aborted handlers. Stopped after the server and before the usage sink (hosted services stop
/// in reverse order), this waits for those handlers, so that their usage records are queued before the sink drains.
/// </summary>
internal sealed class CallTracker(TimeProvider time) : IHostedService
{
    /// <summary>
    /// An aborted call's exit path is short (a record, maybe a token count), but its first token count loads the
    /// tokenizer, which took over 5 s on a loaded 2-core machine and lost the record: longer than this means a hung
    /// handler. The wait ends as soon as the last call has exited, so a shutdown with none in flight does not wait.
    /// </summary>
    internal static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(30);

    private int _inFlight;
    private long _started;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Calls entered since the start (for the collection when the gateway goes quiet, Hosting/QuietCollection).</summary>
    public long Started => Volatile.Read(ref _started);

    public void Enter()
    {
        Interlocked.Increment(ref _inFlight);
        Interlocked.Increment(ref _started);
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (InFlight > 0 && time.GetElapsedTime(started) < ExitWait)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), time, CancellationToken.None);
        }
    }
}
