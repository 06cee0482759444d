using Microsoft.Extensions.Time.Testing;

namespace Switchboard.IntegrationTests.MockProvider;

/// <summary>A fake clock that counts its timers, so a test advances time only once the server is really waiting on it.</summary>
internal sealed class TimerCountingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private int _timers;

    public int Timers => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
