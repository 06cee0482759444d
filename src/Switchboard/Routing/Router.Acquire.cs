using Switchboard.Upstream;

namespace Switchboard.Routing;

internal sealed partial class Router
{
    private static readonly TimeSpan LongOutageThreshold = TimeSpan.FromSeconds(60);

    /// <summary>Successes a key at its learned concurrency must have shown before its mean call duration predicts a wait.</summary>
    internal const int MinTimedCalls = 8;

    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Leases a deployment of <paramref name="group"/> for one attempt. When every otherwise usable deployment is at its
    /// <c>max_parallel_requests</c>, waits in the group's FIFO queue (bounded by <c>MaxQueuedRequests</c>, the request
    /// timeout and <paramref name="ct"/>); when all are cooling down and <c>wait_for_cooldown_s</c> covers the earliest
    /// recovery, waits for it. Otherwise returns a decision saying why there is none.
    /// </summary>
    private async ValueTask<RouteDecision> AcquireLocalAsync(ModelGroup group, RouteRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(group);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ct.ThrowIfCancellationRequested();
        DateTimeOffset? queueDeadline = null;

        // Decided once, at admission: a call let into the queue is served when its slot comes (or by the hard bounds
        // below), never refused later for the expected wait (docs/pool-efficiency.md, "Over capacity").
        var admitted = request.Admitted;
        while (true)
        {
            QueuedAcquire? waiter = null;
            Evaluation e;
            DateTimeOffset now;
            lock (group.Gate)
            {
                now = _time.GetUtcNow();
                if (group.Waiters.Count > 0)
                {
                    PumpLocked(group, now);
                }

                e = EvaluateLocked(group, request, now);
                if (e.Pick is { } picked)
                {
                    return RouteDecision.Leased(LeaseLocked(group, picked, request, now));
                }

                var waitsOutRest = !e.Queue && WaitsOutRestLocked(group, e, admitted, now);
                if (e.Queue || waitsOutRest)
                {
                    if (!admitted && SlotWaitLocked(group, request, e, now) is { } slotWait)
                    {
                        return SlotWaitDecision(group, slotWait);
                    }

                    queueDeadline ??= now + Config.EffectiveRequestTimeout;
                    if (now >= queueDeadline)
                    {
                        return QueueDecision(group, NoDeploymentReason.QueueTimeout);
                    }

                    if (group.Waiters.Count >= Math.Max(Settings.MaxQueuedRequests, 0))
                    {
                        return QueueDecision(group, NoDeploymentReason.QueueFull);
                    }

                    admitted = true;
                    waiter = new QueuedAcquire(request with { Admitted = true });
                    waiter.Node = group.Waiters.AddLast(waiter);
                }
            }

            if (waiter is not null)
            {
                if (await WaitInQueueAsync(group, waiter, e.Earliest, queueDeadline!.Value, ct) is { } queued)
                {
                    return queued;
                }

                continue;
            }

            if (e.Reason == NoDeploymentReason.AllCoolingDown && e.Earliest is { } earliest
                && Settings.WaitForCooldown > TimeSpan.Zero && earliest - now <= Settings.WaitForCooldown)
            {
                await Task.Delay(WholeMilliseconds(earliest - now), _time, ct);
                continue;
            }

            return NoDeployment(group, e, now);
        }
    }

    /// <summary>
    /// Admission over capacity on learned concurrency: when every key the call could use is at its learned concurrency
    /// (Z.ai 1302), none at a configured <c>max_parallel_requests</c>, the call's slot is expected when the slots ahead of
    /// it have freed: its queue position (waiters ahead + 1) over the rate at which the keys free slots (each key's calls
    /// in flight ÷ the mean duration of its calls, EWMA, once each key has shown <see cref="MinTimedCalls"/>). When that
    /// exceeds the allowance — <c>wait_for_cooldown_s</c>, one mean call (a call may always wait for the next slot, as at
    /// a configured cap) and 1 s (the least a Retry-After can say) — the caller gets an honest 429 at once with that wait
    /// as Retry-After instead of queueing. The decision is made once: a call let into the queue is not refused later for
    /// its wait (docs/pool-efficiency.md). Null: queue as usual (a configured cap, too few call durations observed yet, a
    /// cooling key back sooner).
    /// </summary>
    private TimeSpan? SlotWaitLocked(ModelGroup group, RouteRequest request, Evaluation e, DateTimeOffset now)
    {
        var inFlight = 0;
        double slotsPerMs = 0, longestMs = 0;
        foreach (var d in group.Deployments)
        {
            if (d.Disabled || request.Excluded?.Contains(d.Id) == true || !d.AtParallelCap || d.Recovery(now, request.EstimatedTokens) is not null)
            {
                continue;
            }

            if (!d.Paced || d.SharedSlotsFull || (d.Config.MaxParallelRequests is { } max && d.InFlight >= max))
            {
                return null;
            }

            if (d.Latency.Count < MinTimedCalls)
            {
                // Too few durations seen to trust the mean: a cold start's first calls (connections, JIT) are slow.
                return null;
            }

            var meanMs = Math.Max(d.Latency.Ewma, 1);
            inFlight += d.InFlight;
            slotsPerMs += d.InFlight / meanMs;
            longestMs = Math.Max(longestMs, meanMs);
        }

        if (inFlight == 0 || slotsPerMs <= 0)
        {
            return null;
        }

        var wait = TimeSpan.FromMilliseconds((group.Waiters.Count + 1) / slotsPerMs);
        // Retry-After counts whole seconds: refusing a call whose slot comes within 1 s would only make it wait longer.
        var allowed = AdmissionAllowance(longestMs);
        if (wait <= allowed || (e.Earliest is { } back && back - now <= wait))
        {
            return null;
        }

        return wait;
    }

    /// <summary>
    /// An admitted call (let into the queue, or back after a refused attempt) that finds every key it could use resting
    /// waits in the queue for the earliest rest to end when that is within the allowance it was admitted with
    /// (<c>wait_for_cooldown_s</c>, one mean call, 1 s), instead of answering "all cooling": the decision to refuse a call
    /// is made at admission, so an admitted call is served (docs/pool-efficiency.md, "Over capacity"). Typical case: both
    /// keys of a 1302 pool refuse their only call in flight (our own last call not yet ended upstream) and rest 0.5 s.
    /// Only concurrency rests are waited out (see below).
    /// </summary>
    private bool WaitsOutRestLocked(ModelGroup group, Evaluation e, bool admitted, DateTimeOffset now)
    {
        if (!admitted || !Settings.AdaptiveLimits || e.Reason != NoDeploymentReason.AllCoolingDown || e.Earliest is null)
        {
            return false;
        }

        double longestMs = 0;
        DateTimeOffset? back = null;
        foreach (var d in group.Deployments)
        {
            if (d.Latency.Count > 0)
            {
                longestMs = Math.Max(longestMs, d.Latency.Ewma);
            }

            // Only a concurrency rest (1302) ends in a free slot. A rate-window rest (1303) ends in a probe of whether the
            // window has reset, which a call kept waiting for it would too often meet as one more refusal and a late 429:
            // such a call gets its 429 at once with the window's Retry-After (Router.SpentForWindow).
            if (!d.Disabled && d.CooldownKind == FailureKind.ConcurrencyLimited && d.IsCooling(now))
            {
                back = Min(back, d.CooldownUntil);
            }
        }

        return back is { } first && first - now <= AdmissionAllowance(longestMs);
    }

    private static RouteDecision SlotWaitDecision(ModelGroup group, TimeSpan wait)
    {
        var seconds = RouteDecision.RetryAfterSeconds(wait);
        return new RouteDecision
        {
            Reason = NoDeploymentReason.QueueFull,
            RetryAfter = TimeSpan.FromSeconds(seconds),
            Message = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Every deployment of model group '{group.Name}' is at its learned concurrency and a slot is expected in {wait.TotalSeconds:0.0} s, longer than wait_for_cooldown_s; retry after {seconds} s."),
        };
    }

    /// <summary>
    /// How long an admitted call may be kept waiting: <c>wait_for_cooldown_s</c>, one call of the slowest key
    /// (<paramref name="longestCallMs"/>, a call may always wait for the next slot) and 1 s (the least a Retry-After can
    /// say), whichever is longest. The same allowance decides admission and the waits of an admitted call.
    /// </summary>
    private TimeSpan AdmissionAllowance(double longestCallMs) =>
        Max(Max(Settings.WaitForCooldown, TimeSpan.FromMilliseconds(longestCallMs)), OneSecond);

    /// <summary>
    /// A wait rounded up to whole milliseconds (none when it is over). Timers count whole milliseconds and fire at once
    /// for less: a wait of 0.4 ms for a rest that ends then woke the caller before the rest was over, over and over
    /// without the clock moving (a spin on a real clock, a hang on a fake one).
    /// </summary>
    internal static TimeSpan WholeMilliseconds(TimeSpan wait) =>
        wait <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds));

    /// <summary>Returns a lease's slot and hands it (or any other free slot) to the oldest waiter that can use it.</summary>
    internal void Release(DeploymentLease lease)
    {
        var group = lease.Group;
        if (lease.SharedSlot is { } slot)
        {
            // Before the pump below: a waiter handed this slot asks Redis after the release was sent.
            Shared.ReleaseSlot(lease.Deployment, slot, lease.Tokens);
        }

        lock (group.Gate)
        {
            lease.Deployment.InFlight--;
            if (group.Waiters.Count > 0)
            {
                PumpLocked(group, _time.GetUtcNow());
            }
        }
    }

    /// <summary>Waits for a handed-off lease, waking at the earliest cooldown end to look again without losing its place.</summary>
    /// <returns>A decision to return, or null to evaluate afresh.</returns>
    private async ValueTask<RouteDecision?> WaitInQueueAsync(
        ModelGroup group, QueuedAcquire waiter, DateTimeOffset? recovery, DateTimeOffset deadline, CancellationToken ct)
    {
        while (true)
        {
            var now = _time.GetUtcNow();
            var wakeAt = recovery is { } r && r < deadline ? r : deadline;
            try
            {
                var lease = await waiter.Handoff.Task.WaitAsync(WholeMilliseconds(wakeAt - now), _time, ct);
                return lease is null ? null : RouteDecision.Leased(lease);
            }
            catch (TimeoutException)
            {
                lock (group.Gate)
                {
                    now = _time.GetUtcNow();
                    if (waiter.Node?.List is null)
                    {
                        // Handed a lease (or the router was disposed) just as the timer fired.
                        return waiter.Handoff.Task.IsCompletedSuccessfully && waiter.Handoff.Task.Result is { } handed
                            ? RouteDecision.Leased(handed)
                            : null;
                    }

                    var e = EvaluateLocked(group, waiter.Request, now);
                    if (e.Pick is { } picked)
                    {
                        group.Waiters.Remove(waiter.Node);
                        return RouteDecision.Leased(LeaseLocked(group, picked, waiter.Request, now));
                    }

                    if ((!e.Queue && !WaitsOutRestLocked(group, e, waiter.Request.Admitted, now)) || now >= deadline)
                    {
                        group.Waiters.Remove(waiter.Node);
                        return e.Queue ? QueueDecision(group, NoDeploymentReason.QueueTimeout) : null;
                    }

                    recovery = e.Earliest;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                DeploymentLease? orphan = null;
                lock (group.Gate)
                {
                    if (waiter.Node?.List is not null)
                    {
                        group.Waiters.Remove(waiter.Node);
                    }
                    else if (waiter.Handoff.Task.IsCompletedSuccessfully)
                    {
                        orphan = waiter.Handoff.Task.Result;
                    }
                }

                // A slot handed over as the caller gave up goes straight on to the next waiter.
                orphan?.Dispose();
                throw;
            }
        }
    }

    /// <summary>Gives free slots to waiters in FIFO order; a waiter that can use none of them keeps its place.</summary>
    private void PumpLocked(ModelGroup group, DateTimeOffset now)
    {
        var node = group.Waiters.First;
        while (node is not null)
        {
            var next = node.Next;
            var waiter = node.Value;
            var e = EvaluateLocked(group, waiter.Request, now);
            if (e.Pick is { } picked)
            {
                group.Waiters.Remove(node);
                waiter.Handoff.TrySetResult(LeaseLocked(group, picked, waiter.Request, now));
            }
            else if (!e.Queue && !WaitsOutRestLocked(group, e, waiter.Request.Admitted, now))
            {
                // Waiting cannot help this one any more (all cooling, disabled or tried): wake it to get its answer.
                group.Waiters.Remove(node);
                waiter.Handoff.TrySetResult(null);
            }
            else if (waiter.Request.Excluded is not { Count: > 0 })
            {
                // A waiter that excludes nothing found no free slot, so no later waiter can find one either.
                return;
            }

            node = next;
        }
    }

    private DeploymentLease LeaseLocked(ModelGroup group, Deployment d, RouteRequest request, DateTimeOffset now)
    {
        d.InFlight++;
        d.Limits.OnLease(now);
        d.RollMinute(now);
        d.Total.Requests++;
        d.CurrentMinute.Requests++;
        if (Settings.SessionAffinity && request.SessionId is { Length: > 0 } session)
        {
            group.Sessions.Set(session, d);
        }

        return new DeploymentLease(this, group, d, now, d.InFlight);
    }

    private Evaluation EvaluateLocked(ModelGroup group, RouteRequest request, DateTimeOffset now)
    {
        var deployments = group.Deployments;
        if (deployments.Count == 0)
        {
            return new Evaluation { Reason = NoDeploymentReason.Empty };
        }

        var candidates = group.Candidates;
        candidates.Clear();
        int enabled = 0, untried = 0, atCap = 0, overloaded = 0, longOut = 0;
        var triedUsableNow = false;
        DateTimeOffset? earliestUntried = null, earliestTried = null;
        foreach (var d in deployments)
        {
            EndCooldownIfDueLocked(d, now);
            if (d.Disabled)
            {
                longOut++;
                continue;
            }

            enabled++;
            if (d.LastFailureKind == FailureKind.Overloaded)
            {
                overloaded++;
            }

            var recovery = d.Recovery(now, request.EstimatedTokens);
            if (recovery is { } until && d.CooldownKind == FailureKind.QuotaExhausted && until - now > LongOutageThreshold)
            {
                longOut++;
            }

            if (request.Excluded?.Contains(d.Id) == true)
            {
                if (recovery is null)
                {
                    triedUsableNow = true;
                }
                else
                {
                    earliestTried = Min(earliestTried, recovery.Value);
                }

                continue;
            }

            untried++;
            if (recovery is not null)
            {
                earliestUntried = Min(earliestUntried, recovery.Value);
            }
            else if (d.AtParallelCap || d.SharedSlotsFull)
            {
                atCap++;
            }
            else
            {
                candidates.Add(d);
            }
        }

        if (candidates.Count > 0)
        {
            return new Evaluation { Pick = PickLocked(group, candidates, request, now) };
        }

        var e = new Evaluation
        {
            AllOverloaded = enabled > 0 && overloaded == enabled,
            LongOutage = longOut == deployments.Count,
            Enabled = enabled,
        };
        if (enabled == 0)
        {
            return e with { Reason = NoDeploymentReason.AllDisabled };
        }

        if (atCap > 0)
        {
            return e with { Queue = true, Earliest = earliestUntried };
        }

        if (untried == 0 || triedUsableNow)
        {
            return e with { Reason = NoDeploymentReason.AllTried, Earliest = triedUsableNow ? null : Min(earliestTried, earliestUntried) };
        }

        return e with { Reason = NoDeploymentReason.AllCoolingDown, Earliest = Min(earliestUntried, earliestTried) };
    }

    private Deployment PickLocked(ModelGroup group, List<Deployment> candidates, RouteRequest request, DateTimeOffset now)
    {
        if (Settings.SessionAffinity && request.SessionId is { Length: > 0 } session && group.Sessions.Get(session) is { } sticky
            && candidates.Contains(sticky))
        {
            return sticky;
        }

        return group.Strategy.Pick(candidates, new StrategyContext(now, request.EstimatedTokens, request.Stream));
    }
}
