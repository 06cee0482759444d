using Switchboard.Routing;
using Switchboard.Upstream;

namespace Switchboard.Tests.Routing;

/// <summary>The estimator against a simulated GLM key (fixed windows from the first call, refusals do not count) on a fake clock.</summary>
public sealed class LimitEstimatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void OnRefused_OverloadedKey_ConvergesToItsLimitAndWindowWithinAFewWindows()
    {
        var (e, key) = (new LimitEstimator(), new FixedWindowKey(10, TimeSpan.FromSeconds(2)));
        var now = Start;

        Drive(e, key, ref now, TimeSpan.FromSeconds(16));
        Assert.Equal(10, e.Limit);
        Assert.InRange(e.Window.TotalSeconds, 2.0, 2.1);

        var (ok, refused) = Drive(e, key, ref now, TimeSpan.FromSeconds(20));
        Assert.InRange(ok, 95, 100); // at least 95 % of 10 calls per 2 s
        Assert.InRange(refused, 0, 10); // at most one wasted call per window
    }

    [Fact]
    public void OnRefused_LimitFallsThenRises_FollowsIt()
    {
        var (e, key) = (new LimitEstimator(), new FixedWindowKey(10, TimeSpan.FromSeconds(2)));
        var now = Start;
        Drive(e, key, ref now, TimeSpan.FromSeconds(16));

        key.Limit = 4;
        Drive(e, key, ref now, TimeSpan.FromSeconds(6));
        Assert.Equal(4, e.Limit);
        var (ok, refused) = Drive(e, key, ref now, TimeSpan.FromSeconds(20));
        Assert.InRange(ok, 36, 40);
        Assert.InRange(refused, 0, 10);

        key.Limit = 20;
        Drive(e, key, ref now, TimeSpan.FromSeconds(20));
        Assert.Equal(20, e.Limit);
        (ok, _) = Drive(e, key, ref now, TimeSpan.FromSeconds(20));
        Assert.InRange(ok, 180, 200);
    }

    [Fact]
    public void OnRefused_WindowGrowsThenShrinks_FollowsIt()
    {
        var (e, key) = (new LimitEstimator(), new FixedWindowKey(10, TimeSpan.FromSeconds(2)));
        var now = Start;
        Drive(e, key, ref now, TimeSpan.FromSeconds(16));

        key.Window = TimeSpan.FromSeconds(4);
        Drive(e, key, ref now, TimeSpan.FromSeconds(40));
        Assert.InRange(e.Window.TotalSeconds, 4.0, 4.2);

        key.Window = TimeSpan.FromSeconds(2);
        Drive(e, key, ref now, TimeSpan.FromSeconds(120));
        Assert.InRange(e.Window.TotalSeconds, 2.0, 2.1);
    }

    [Fact]
    public void Copy_ConvergedEstimator_GoesOnAtFullCapacityWithoutLearningAgain()
    {
        var (e, key) = (new LimitEstimator(), new FixedWindowKey(10, TimeSpan.FromSeconds(2)));
        var now = Start;
        Drive(e, key, ref now, TimeSpan.FromSeconds(30));

        // What a config reload carries over (Router.ExportLearnedLimits/ImportLearnedLimits).
        var carried = e.Copy();
        var (ok, refused) = Drive(carried, key, ref now, TimeSpan.FromSeconds(20));

        Assert.Equal((10, e.Window), (carried.Limit, carried.Window));
        Assert.InRange(ok, 95, 100);
        Assert.InRange(refused, 0, 2);
    }

    [Fact]
    public void OnRefused_RoundWindow_FoundWithOneRefusedCallPerRoundLengthTried()
    {
        // A call every 100 ms at most: 10 fill the window in 1 s, the 11th is refused; 1 s, 2 s and 3 s are probed
        // (refused), then 5 s, and once just below it (refused).
        var (e, key) = (new LimitEstimator(), new FixedWindowKey(10, TimeSpan.FromSeconds(5)));
        var now = Start;
        var (ok, refused) = Drive(e, key, ref now, TimeSpan.FromSeconds(30), every: TimeSpan.FromMilliseconds(100));

        Assert.Equal(10, e.Limit);
        Assert.InRange(e.Window.TotalSeconds, 5.0, 5.1);
        Assert.InRange(refused, 1, 6);
        Assert.True(ok >= 55, $"{ok} of 60");

        // Then only the rarer and rarer tries of one more call per window (a raised limit is found again that way).
        (ok, refused) = Drive(e, key, ref now, TimeSpan.FromSeconds(30.2), every: TimeSpan.FromMilliseconds(100));
        Assert.InRange(ok, 59, 60);
        Assert.InRange(refused, 0, 1);
    }

    [Fact]
    public void OnLease_UnderItsLimit_NeverBlocksAndLearnsNothing()
    {
        var (e, key) = (new LimitEstimator(), new FixedWindowKey(10, TimeSpan.FromSeconds(2)));
        var now = Start;
        for (var i = 0; i < 200; i++, now += TimeSpan.FromMilliseconds(250))
        {
            Assert.Null(e.BlockedUntil(now));
            e.OnLease(now);
            Assert.True(key.Call(now));
            e.OnSuccess(now, now, null);
        }

        Assert.Null(e.Limit);
        Assert.Equal(0, e.Refusals);
    }

    [Fact]
    public void OnSuccess_RequestHeaders_TakesTheLimitAndResetExactly()
    {
        var e = new LimitEstimator();
        var reset = Start + TimeSpan.FromSeconds(7);
        e.OnLease(Start);
        e.OnSuccess(Start, Start, new RequestWindow(3, 2, reset));
        e.OnLease(Start);
        Assert.Null(e.BlockedUntil(Start));
        e.OnLease(Start);

        Assert.Equal(3, e.Limit);
        Assert.True(e.Exact);
        Assert.Equal(reset, e.BlockedUntil(Start));
        Assert.Null(e.BlockedUntil(reset));
    }

    [Fact]
    public void OnRefused_SeededByASiblingBelowItsLimitWhileLearning_LearnsTheWholeLimit()
    {
        // A sibling refused at 7 calls (the rest of its 10 still in flight) after 550 ms: this key, already at 5 calls of
        // its own 2-s window, takes 7 as its limit and its window's lower bound, so its window "ends" early (a 1-s round
        // probe) while the upstream's still runs. The probe's success is only room left; the refusal that follows after
        // 3 more calls must count both windows of ours as the upstream's one (10), not learn 3 (InFlightSimulation).
        var sibling = new LimitEstimator();
        for (var i = 0; i < 7; i++)
        {
            var at = Start + TimeSpan.FromMilliseconds(50 * i);
            sibling.OnLease(at);
            sibling.OnSuccess(at, at, null);
        }

        sibling.OnLease(Start + TimeSpan.FromMilliseconds(550));
        sibling.OnRefused(Start + TimeSpan.FromMilliseconds(550), Start + TimeSpan.FromMilliseconds(560), null);

        var (e, key) = (new LimitEstimator(), new FixedWindowKey(10, TimeSpan.FromSeconds(2)));
        var now = Start + TimeSpan.FromMilliseconds(17);
        for (var i = 0; i < 5; i++, now += TimeSpan.FromMilliseconds(40))
        {
            e.OnLease(now);
            Assert.True(key.Call(now));
            e.OnSuccess(now, now, null);
        }

        e.AdoptFrom(sibling);
        Assert.Equal(7, e.Limit);
        var (ok, refused) = Drive(e, key, ref now, TimeSpan.FromSeconds(12));

        Assert.True(e.Limit >= 10, $"learned limit {e.Limit}");
        Assert.True(ok >= 50, $"{ok} calls served in 12 s of a key that takes 10 per 2 s ({refused} refused)");
    }

    /// <summary>Sends as the router would under overload: every 10 ms, as many calls as the estimator lets through (or
    /// at most one per <paramref name="every"/>).</summary>
    private static (int Ok, int Refused) Drive(LimitEstimator e, FixedWindowKey key, ref DateTimeOffset now, TimeSpan duration,
        TimeSpan? every = null)
    {
        var end = now + duration;
        int ok = 0, refused = 0;
        var next = now;
        for (; now < end; now += TimeSpan.FromMilliseconds(10))
        {
            for (var guard = 0; now >= next && e.BlockedUntil(now) is null; guard++)
            {
                next = now + (every ?? TimeSpan.Zero);
                Assert.True(guard < 1000, "the estimator never stopped a refusing key");
                e.OnLease(now);
                if (key.Call(now))
                {
                    e.OnSuccess(now, now, null);
                    ok++;
                }
                else
                {
                    Assert.True(e.OnRefused(now, now, null) > now);
                    refused++;
                }
            }
        }

        return (ok, refused);
    }

    /// <summary>GLM's model: a fixed window opened by the first call after the last one ended; refused calls do not count.</summary>
    private sealed class FixedWindowKey(int limit, TimeSpan window)
    {
        private DateTimeOffset _end = DateTimeOffset.MinValue;
        private int _calls;

        public int Limit { get; set; } = limit;

        public TimeSpan Window { get; set; } = window;

        public bool Call(DateTimeOffset now)
        {
            if (now >= _end)
            {
                _end = now + Window;
                _calls = 0;
            }

            if (_calls >= Limit)
            {
                return false;
            }

            _calls++;
            return true;
        }
    }
}
