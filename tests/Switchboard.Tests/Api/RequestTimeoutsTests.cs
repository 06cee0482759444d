using Switchboard.Api;

namespace Switchboard.Tests.Api;

public sealed class RequestTimeoutsTests
{
    [Fact]
    public void Rent_AfterAnUncancelledReturn_ReusesTheSource()
    {
        var timeouts = new RequestTimeouts();
        var first = timeouts.Rent();
        first.CancelAfter(TimeSpan.FromHours(1));

        timeouts.Return(first);
        var second = timeouts.Rent();

        Assert.Same(first, second);
        Assert.False(second.IsCancellationRequested);
        second.Dispose();
    }

    [Fact]
    public void Return_ACancelledSource_IsNotReused()
    {
        var timeouts = new RequestTimeouts();
        var first = timeouts.Rent();
        first.Cancel();

        timeouts.Return(first);
        using var second = timeouts.Rent();

        Assert.NotSame(first, second);
        Assert.False(second.IsCancellationRequested);
    }

    [Fact]
    public void Return_RegistrationsOfTheLastCall_AreDropped()
    {
        // A callback left registered by one call must never run for the next call's timeout.
        var timeouts = new RequestTimeouts();
        var first = timeouts.Rent();
        var ran = false;
        first.Token.Register(() => ran = true);

        timeouts.Return(first);
        var second = timeouts.Rent();
        second.Cancel();

        Assert.Same(first, second);
        Assert.False(ran);
        second.Dispose();
    }

    [Fact]
    public void Return_BeyondTheCap_DisposesTheSource()
    {
        var timeouts = new RequestTimeouts();
        var rented = Enumerable.Range(0, RequestTimeouts.MaxPooled + 1).Select(_ => timeouts.Rent()).ToList();
        foreach (var source in rented)
        {
            timeouts.Return(source);
        }

        Assert.Throws<ObjectDisposedException>(() => rented[^1].Token.WaitHandle);
    }
}
