using System.Runtime.CompilerServices;

namespace Switchboard.Hosting;

/// <summary>
/// <c>await ThreadPoolHop.Instance</c> moves the rest of an async method to the thread pool unless it already runs there.
/// With inline socket completions (architecture decision 16) a request's code may run on a socket engine's epoll
/// thread, which serves every socket of the process: synchronous work there (SQLite, which is synchronous even through
/// its async API; counting the tokens of a large body) would stall every other connection. On a pool thread it costs a
/// property read and allocates nothing.
/// </summary>
internal readonly struct ThreadPoolHop : ICriticalNotifyCompletion
{
    private readonly bool _stay;

    private ThreadPoolHop(bool stay) => _stay = stay;

    public static ThreadPoolHop Instance => default;

    /// <summary>The hop only when <paramref name="needed"/> (e.g. the work ahead is large); else it continues where it is.</summary>
    public static ThreadPoolHop When(bool needed) => new(stay: !needed);

    public bool IsCompleted => _stay || Thread.CurrentThread.IsThreadPoolThread;

    public ThreadPoolHop GetAwaiter() => this;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) =>
        ThreadPool.QueueUserWorkItem(static state => state(), continuation, preferLocal: false);

    public void UnsafeOnCompleted(Action continuation) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state => state(), continuation, preferLocal: false);
}
