using System.Runtime.CompilerServices;
using Switchboard.Routing;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

public sealed class SessionMapTests
{
    private static readonly Deployment A = new(Dep("a"), "pool", 0);
    private static readonly Deployment B = new(Dep("b"), "pool", 1);

    [Fact]
    public void Set_HugeSessionId_IsNotKeptAndStillFound()
    {
        var map = new SessionMap(10);
        var weak = SetHuge(map, out var copy);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // The map holds a fixed-size hash, not the caller's megabyte: the id is gone, the session still maps.
        Assert.False(weak.TryGetTarget(out _));
        Assert.Same(A, map.Get(copy));
    }

    [Fact]
    public void Set_MoreSessionsThanCapacity_EvictsTheLeastRecentlyUsed()
    {
        var map = new SessionMap(100);
        for (var i = 0; i < 1000; i++)
        {
            map.Set("s" + i, i % 2 == 0 ? A : B);
            Assert.NotNull(map.Get("s0"));
        }

        Assert.Equal(100, map.Count);
        Assert.Same(A, map.Get("s0"));
        Assert.Null(map.Get("s1"));
        Assert.Same(B, map.Get("s999"));
    }

    [Fact]
    public void KeyOf_DifferentIds_DifferentKeys()
    {
        Assert.NotEqual(SessionMap.KeyOf("session-1"), SessionMap.KeyOf("session-2"));
        Assert.Equal(SessionMap.KeyOf("session-1"), SessionMap.KeyOf(new string("session-1".AsSpan())));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<string> SetHuge(SessionMap map, out string copy)
    {
        var huge = new string('s', 1024 * 1024);
        map.Set(huge, A);
        copy = new string(huge.AsSpan());
        return new WeakReference<string>(huge);
    }
}
