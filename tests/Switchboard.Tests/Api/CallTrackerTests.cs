using Microsoft.Extensions.Time.Testing;
using Switchboard.Api;

namespace Switchboard.Tests.Api;

public sealed class CallTrackerTests
{
    [Fact]
    public async Task StopAsync_CallExits20SecondsLate_WaitsForIt()
    {
        // A cut stream's exit path loads the tokenizer for its first count: on a loaded machine that took over 5 s, and the
        // usage row came after the sink had stopped.
        var time = new FakeTimeProvider();
        var tracker = new CallTracker(time);
        tracker.Enter();

        var stop = tracker.StopAsync(CancellationToken.None);
        await AdvanceWhileRunningAsync(time, stop, TimeSpan.FromSeconds(20));

        Assert.False(stop.IsCompleted, "stopped before the call in flight had exited");
        tracker.Exit();
        await AdvanceWhileRunningAsync(time, stop, TimeSpan.FromSeconds(60));
        Assert.True(stop.IsCompleted);
    }

    [Fact]
    public async Task StopAsync_CallNeverExits_GivesUpAfterExitWait()
    {
        var time = new FakeTimeProvider();
        var tracker = new CallTracker(time);
        tracker.Enter();
        var started = time.GetUtcNow();

        var stop = tracker.StopAsync(CancellationToken.None);
        await AdvanceWhileRunningAsync(time, stop, CallTracker.ExitWait + TimeSpan.FromSeconds(60));

        Assert.True(stop.IsCompleted, "a hung call held the shutdown");
        Assert.True(time.GetUtcNow() - started >= CallTracker.ExitWait);
    }

    [Fact]
    public async Task StopAsync_NoCallInFlight_ReturnsAtOnce()
    {
        var tracker = new CallTracker(new FakeTimeProvider());
        tracker.Enter();
        tracker.Exit();

        await tracker.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Advances the fake clock in 100 ms steps while <paramref name="stop"/> runs, <paramref name="total"/> at most, letting
    /// its polling loop arm its next delay between steps (the time of a step made before that still counts as elapsed).
    /// </summary>
    private static async Task AdvanceWhileRunningAsync(FakeTimeProvider time, Task stop, TimeSpan total)
    {
        for (var advanced = TimeSpan.Zero; advanced < total && !stop.IsCompleted; advanced += TimeSpan.FromMilliseconds(100))
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(stop, Task.Delay(5));
        }

        // The loop's last check may still be on its way.
        await Task.WhenAny(stop, Task.Delay(500));
    }
}
