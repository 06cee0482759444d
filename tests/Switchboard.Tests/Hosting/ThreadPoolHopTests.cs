using Switchboard.Hosting;

namespace Switchboard.Tests.Hosting;

public sealed class ThreadPoolHopTests
{
    [Fact]
    public async Task Await_FromADedicatedThread_ContinuesOnThePool()
    {
        var done = new TaskCompletionSource<(bool Before, bool After)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => _ = HopAsync(done)) { IsBackground = true };
        thread.Start();

        var (before, after) = await done.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(before);
        Assert.True(after);
    }

    [Fact]
    public async Task IsCompleted_OnAPoolThread_TrueSoNoHop()
    {
        var completed = await Task.Run(() => ThreadPoolHop.Instance.GetAwaiter().IsCompleted);

        Assert.True(completed);
    }

    [Fact]
    public void IsCompleted_OnADedicatedThread_False()
    {
        var completed = true;
        var thread = new Thread(() => completed = ThreadPoolHop.Instance.GetAwaiter().IsCompleted);
        thread.Start();
        thread.Join();

        Assert.False(completed);
    }

    [Fact]
    public void When_NotNeeded_CompletesOnADedicatedThreadToo()
    {
        bool notNeeded = false, needed = true;
        var thread = new Thread(() =>
        {
            notNeeded = ThreadPoolHop.When(false).GetAwaiter().IsCompleted;
            needed = ThreadPoolHop.When(true).GetAwaiter().IsCompleted;
        });
        thread.Start();
        thread.Join();

        Assert.True(notNeeded);
        Assert.False(needed);
    }

    private static async Task HopAsync(TaskCompletionSource<(bool, bool)> done)
    {
        var before = Thread.CurrentThread.IsThreadPoolThread;
        await ThreadPoolHop.Instance;
        done.SetResult((before, Thread.CurrentThread.IsThreadPoolThread));
    }
}
