using System.Collections.Concurrent;

namespace Switchboard.Usage;

/// <summary>
/// Runs the tasks queued to it, one at a time, on its own background thread. An async loop started on it keeps coming
/// back to that thread after each await (the awaits resume on <see cref="TaskScheduler.Current"/>), so synchronous work
/// inside the loop, such as an embedded database's batch insert, never holds a thread-pool thread that requests need.
/// </summary>
internal sealed class DedicatedThreadScheduler : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _tasks = new();
    private readonly Thread _thread;

    public DedicatedThreadScheduler(string threadName)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Starts <paramref name="loop"/> on the thread; the returned task completes when the loop does.</summary>
    public Task Start(Func<Task> loop) =>
        Task.Factory.StartNew(loop, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    /// <summary>Ends the thread once the tasks already queued have run.</summary>
    public void Dispose() => _tasks.CompleteAdding();

    protected override void QueueTask(Task task) => _tasks.Add(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread == _thread && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _tasks.ToArray();

    private void Run()
    {
        foreach (var task in _tasks.GetConsumingEnumerable())
        {
            TryExecuteTask(task);
        }

        _tasks.Dispose();
    }
}
