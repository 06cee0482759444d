using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

/// <summary>
/// The whole router over a simulated pool with calls in flight, on a fake clock stepped by 1 ms: each call is leased,
/// reaches its key after a travel time, and its answer comes back later still (a success after the key's service time,
/// a refusal after the way back), so calls overlap, probes are in flight while others queue, and the router sees an
/// answer long after the key decided. Each call is tried as the attempt loop does: another key after a refusal (as an
/// admitted call), up to num_retries, and another round after a backoff when every key was tried, or a 429 at once when
/// every key is spent for its window (<see cref="Router.SpentForWindow"/>; docs/pool-efficiency.md).
/// Single-threaded but for the router's queue handoffs, which the driver waits for after every step.
/// </summary>
internal sealed class InFlightSimulation
{
    private readonly Router _router;
    private readonly FakeTimeProvider _time;
    private readonly ModelGroup _group;
    private readonly Dictionary<string, PoolSimulationTests.FixedWindowKey> _keys;
    private readonly List<Call> _calls = [];
    private readonly List<Call> _active = [];
    private readonly Random _random = new(11);
    private readonly DateTimeOffset _start;
    private readonly int _retries;

    public InFlightSimulation(string strategy, int keys, int limit, TimeSpan window, RouterSettings? settings = null)
    {
        var ids = Enumerable.Range(0, keys).Select(i => "k" + i).ToArray();
        (_router, _time, _) = Build((settings ?? new RouterSettings()) with { RoutingStrategy = strategy }, ids.Select(id => Dep(id)).ToArray());
        _group = _router.GetGroup("pool")!;
        _keys = ids.ToDictionary(id => id, _ => new PoolSimulationTests.FixedWindowKey(limit, window));
        _start = _time.GetUtcNow();
        _retries = _router.MaxRetriesFor(FailureKind.RateLimited);
    }

    /// <summary>Longest time from the lease to the key seeing the call, and from the key's decision back to the router.</summary>
    public TimeSpan MaxTravel { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>How long a key takes to answer a call it accepted (uniform between this and twice this).</summary>
    public TimeSpan Service { get; init; } = TimeSpan.FromMilliseconds(50);

    public IReadOnlyList<Call> Calls => _calls;

    public Router Router => _router;

    /// <summary>Runs until every call sent by <paramref name="arrivals"/> (offsets from the start) has its answer.</summary>
    public async Task RunAsync(IReadOnlyList<TimeSpan> arrivals)
    {
        var next = 0;
        var step = TimeSpan.FromMilliseconds(1);
        for (var guard = 0; guard < 10_000_000; guard++)
        {
            var now = _time.GetUtcNow();
            while (next < arrivals.Count && _start + arrivals[next] <= now)
            {
                var call = new Call { SentAt = now };
                _calls.Add(call);
                _active.Add(call);
                Acquire(call, now);
                next++;
            }

            foreach (var call in _active)
            {
                Advance(call, now);
            }

            await SettleAsync();
            foreach (var call in _active)
            {
                Advance(call, now);
            }

            _active.RemoveAll(c => c.Done);
            if (next == arrivals.Count && _active.Count == 0)
            {
                return;
            }

            _time.Advance(step);
        }

        throw new InvalidOperationException("the simulation did not end");
    }

    private void Acquire(Call call, DateTimeOffset now)
    {
        call.RetryAt = null;
        call.Acquiring = _router.AcquireAsync(_group, new RouteRequest(call.Excluded, null, 100) { Admitted = call.Attempts > 0 }, CancellationToken.None).AsTask();
    }

    private void Advance(Call call, DateTimeOffset now)
    {
        if (call.Done)
        {
            return;
        }

        if (call.RetryAt is { } retryAt)
        {
            if (retryAt <= now)
            {
                Acquire(call, now);
            }

            return;
        }

        if (call.Acquiring is { IsCompleted: true } acquiring)
        {
            call.Acquiring = null;
            var decision = acquiring.Result;
            if (decision.Lease is not { } lease)
            {
                if (decision.Reason == NoDeploymentReason.AllTried && call.Attempts > 0 && call.Retries < _retries
                    && _router.NextRoundDelay(call.Backoffs, decision.RetryAfter, null) is { } delay)
                {
                    call.Backoffs++;
                    call.Excluded.Clear();
                    call.RetryAt = now + delay;
                    return;
                }

                call.Finish(now, ok: false);
                return;
            }

            call.Lease = lease;
            call.ReachesKeyAt = now + Travel();
            call.Accepted = null;
            return;
        }

        if (call.Lease is not { } held)
        {
            return;
        }

        if (call.Accepted is null && call.ReachesKeyAt <= now)
        {
            var key = _keys[held.Deployment.Id];
            call.Accepted = key.Call(call.ReachesKeyAt);
            call.AnswerAt = call.ReachesKeyAt + (call.Accepted.Value ? Service + (Service * _random.NextDouble()) : TimeSpan.Zero) + Travel();
            if (!call.Accepted.Value)
            {
                Upstream429++;
            }

            Trace?.Add($"{(call.ReachesKeyAt - _start).TotalMilliseconds,7} {held.Deployment.Id} {(call.Accepted.Value ? "ok " : "429")} leased {(held.StartedAt - _start).TotalMilliseconds} attempt {call.Attempts} inflight {held.InFlightAtStart} lim {held.Deployment.Limits.Limit} win {held.Deployment.Limits.WindowLow?.TotalMilliseconds}-{held.Deployment.Limits.WindowHigh?.TotalMilliseconds} sent {held.Deployment.Limits.SentInWindow} end {(held.Deployment.Limits.WindowEnd - _start)?.TotalMilliseconds}");
        }

        if (call.Accepted is { } accepted && call.AnswerAt <= now)
        {
            call.Lease = null;
            call.Attempts++;
            if (accepted)
            {
                _router.ReportSuccess(held, new AttemptOutcome(now - held.StartedAt, null, 10, 10, null));
                held.Dispose();
                call.Finish(now, ok: true);
                return;
            }

            var failure = Zai("1303", now);
            _router.ReportFailure(held, failure);
            held.Dispose();
            call.Excluded.Add(held.Deployment.Id);
            if (_router.SpentForWindow(_group, failure, call.Excluded) is not null || call.Retries >= _retries)
            {
                call.Finish(now, ok: false);
                return;
            }

            call.Retries++;
            Acquire(call, now);
        }
    }

    public int Upstream429 { get; private set; }

    /// <summary>Set to a list to get one line per call a key saw (a diagnostic).</summary>
    public List<string>? Trace { get; init; }

    /// <summary>Times the driver had to wait for a handoff (a diagnostic: how busy the queue was).</summary>
    public long Settles { get; private set; }

    private TimeSpan Travel() => MaxTravel * _random.NextDouble();

    /// <summary>
    /// Waits (real time, at most 30 s) until every acquisition still running is a waiter in the group's queue that has not
    /// been handed anything: handoffs finish on the thread pool.
    /// </summary>
    private async Task SettleAsync()
    {
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 30);
        var spins = 0;
        while (true)
        {
            var running = 0;
            foreach (var call in _active)
            {
                running += call.Acquiring is { IsCompleted: false } ? 1 : 0;
            }

            if (running == 0)
            {
                return;
            }

            int waiting;
            lock (_group.Gate)
            {
                waiting = _group.Waiters.Count(w => !w.Handoff.Task.IsCompleted);
            }

            if (running <= waiting)
            {
                return;
            }

            Settles++;
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"{running} acquisitions running, {waiting} waiting in the queue");
            }

            // A handoff runs on the thread pool within microseconds on an idle machine: spin, then yield the core.
            if (++spins < 100)
            {
                Thread.SpinWait(50);
            }
            else
            {
                await Task.Delay(1);
            }
        }
    }

    internal sealed class Call
    {
        public DateTimeOffset SentAt { get; init; }

        public HashSet<string> Excluded { get; } = new(StringComparer.Ordinal);

        public Task<RouteDecision>? Acquiring { get; set; }

        public DeploymentLease? Lease { get; set; }

        public DateTimeOffset ReachesKeyAt { get; set; }

        public DateTimeOffset AnswerAt { get; set; }

        public bool? Accepted { get; set; }

        public DateTimeOffset? RetryAt { get; set; }

        public int Attempts { get; set; }

        public int Retries { get; set; }

        public int Backoffs { get; set; }

        public bool Done { get; private set; }

        public bool Ok { get; private set; }

        public TimeSpan Latency { get; private set; }

        public void Finish(DateTimeOffset now, bool ok)
        {
            Done = true;
            Ok = ok;
            Latency = now - SentAt;
        }
    }
}
