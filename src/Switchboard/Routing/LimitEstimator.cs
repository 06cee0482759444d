using Switchboard.Upstream;

namespace Switchboard.Routing;

/// <summary>
/// What one deployment's upstream allows: calls per window and the window's length, learned from its answers, and the
/// current window's count, so the router sends a key no call it would refuse (docs/pool-efficiency.md). Changed only
/// under the owning <see cref="ModelGroup.Gate"/>; time comes from the caller's <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// The model is GLM's: a fixed window that starts with the first call after the last window ended; calls beyond the
/// limit are refused (429, Z.ai 1303) and do not count. With <c>x-ratelimit-*-requests</c> headers the limit and the
/// reset are read exactly. Without them:
/// <list type="bullet">
/// <item>Limit: on the first refusal in a window the estimate becomes the calls that succeeded in it (a call still in
/// flight that succeeds later raises it again), never below half the old estimate (multiplicative decrease, so one
/// misaligned window cannot collapse it). After two clean windows that used the whole estimate it grows by 1, 2, 4…
/// per further clean full window, so a raised limit is found in a few windows while a steady one costs one refused
/// call every third window at most: a refusal rests the key until the window resets, so overshooting by k costs one
/// refused call, not k.</item>
/// <item>Window: a refusal <c>r</c> after the window's first call proves the window is longer than <c>r</c> (lower
/// bound); the first success after a used-up window (one with a refusal, or one that used all of a limit a refusal
/// proved), sent <c>t</c> after that window's first call, proves it is at most <c>t</c> (upper bound). Until an upper
/// bound exists the refused key is tried again at 1.5 × the lower bound or 1 s after it, whichever is later (geometric
/// probing, one refused call per probe); then a used-up window's successor opens at the midpoint of the bounds until
/// they are within 3 % (bisection: a refused probe only moves the lower bound and the next follows at once), and at
/// the upper bound after that. Every 16th refused window the lower bound is halved, so a window that has shrunk is
/// found again. Pacing uses the upper bound: the estimate errs towards resting a key a little long, not being refused.</item>
/// </list>
/// </remarks>
internal sealed class LimitEstimator
{
    /// <summary>The window assumed before any is learned (GLM's limits are per minute or longer).</summary>
    internal static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(60);

    private const double ProbeGrowthAfterProbe = 1.2;
    private const int ConcurrencyGrowEvery = 16;
    private const int MaxRaiseBackoff = 5;
    private const double MarginShare = 0.005;
    private static readonly int[] RoundWindows = [1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600];
    private static readonly TimeSpan ProbeMargin = TimeSpan.FromMilliseconds(25);
    private const double Tolerance = 0.03;
    private const int RecheckEvery = 16;
    private static readonly TimeSpan MinProbeStep = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinResolution = TimeSpan.FromMilliseconds(50);

    private DateTimeOffset? _start;

    // Successes count from here: the window's first call, even when _start later moves to an unaligned refusal.
    private DateTimeOffset _countFrom;
    private DateTimeOffset _openAt;
    private int _sent;
    private int _ok;
    private bool _refused;
    private bool _confirmed;

    // The window before the current one, restored when the upstream refuses the call that opened a new one.
    private DateTimeOffset? _previousStart;
    private int _previousSent;
    private int _previousOk;

    // How long the window's first call took to answer: the upstream opened its window somewhere in that span.
    private TimeSpan _startLatency;
    private TimeSpan _previousStartLatency;
    private bool _previousRefused;
    private int _cleanFull;

    // The limit was last set by a refusal (not raised since): a window that used all of it has used up the upstream's.
    private bool _limitProven;

    // The limit was taken from a sibling (AdoptFrom), not yet proven by a refusal of this key's own.
    private bool _limitSeeded;

    // The last window had no refusal and was not used up by a limit of this key's own: the upstream's may still run.
    private bool _previousMayRun;
    private int _usedUpWindows;

    // The lower bound was last moved by a refused probe (not by a window's calls running out), and it is only a guess
    // (halved after a successful check, not proven by a refusal).
    private bool _lowFromProbe;
    private bool _lowDoubted;

    // Successes at the learned concurrency since it last changed; the last raise (until it held or was refused) and how
    // many raises in a row were refused (each doubles the successes needed before the next).
    private int _atConcurrencyCap;
    private int? _concurrencyRaisedFrom;
    private int _failedConcurrencyRaises;

    // The same for the limit per window: the limit before the last raise, and raises refused in a row.
    private int? _limitRaisedFrom;
    private int _failedLimitRaises;

    // The upper bound has been tested once just below itself (OpenAfter); false for a bound just found by a probe.
    private bool _highChecked;

    // -1 until a window once known was refused at its end; then the small steps up taken since (OpenAfter).
    private int _regrowSteps = -1;

    /// <summary>Learned calls per window; null until the upstream has said anything about it.</summary>
    public int? Limit { get; private set; }

    /// <summary>The limit was read from <c>x-ratelimit-limit-requests</c>, not estimated.</summary>
    public bool Exact { get; private set; }

    /// <summary>The window is known to be longer than this.</summary>
    public TimeSpan? WindowLow { get; private set; }

    /// <summary>The window is known to be at most this; null until a refused key has succeeded again.</summary>
    public TimeSpan? WindowHigh { get; private set; }

    /// <summary>The window length paced to: the upper bound once learned, else <see cref="DefaultWindow"/>.</summary>
    public TimeSpan Window => WindowHigh ?? DefaultWindow;

    /// <summary>Calls sent in the current window and not refused.</summary>
    public int SentInWindow => _sent;

    /// <summary>Successful calls seen since start: a key that never answered has shown no window to learn.</summary>
    public long Successes { get; private set; }

    /// <summary>Refused calls seen since start.</summary>
    public long Refusals { get; private set; }

    /// <summary>The upstream refused a call of the current window for its rate: the key is spent until the window resets.</summary>
    public bool RefusedInWindow => _start is not null && _refused;

    /// <summary>When the current window is expected to end (or the refused key is tried again); null before any call.</summary>
    public DateTimeOffset? WindowEnd => _start is null ? null : _openAt;

    /// <summary>
    /// The current window opened after a refused one and nothing of it has succeeded yet: one call probes whether the
    /// upstream's window has reset, the rest wait for its answer (so a probe costs one refused call, not a burst).
    /// </summary>
    public bool Probing => _start is not null && !_confirmed && _previousRefused;

    /// <summary>
    /// Learned calls in flight the upstream allows (Z.ai 1302), acting as a learned <c>max_parallel_requests</c>; null
    /// until it refused a call for concurrency. A refusal sets it to the other calls that were in flight (never above
    /// what it was); every <see cref="ConcurrencyGrowEvery"/> × limit calls that succeeded with the key at it raise it by
    /// one, so a raised limit is found again at the cost of one refused (and retried) call.
    /// </summary>
    public int? Concurrency { get; private set; }

    /// <summary>Calls refused for concurrency since start.</summary>
    public long ConcurrencyRefusals { get; private set; }

    /// <summary>
    /// Calls refused for concurrency in a row while no other call of ours was in flight on the key: the first can be
    /// our own last call not quite ended upstream; more mean someone else uses the key's account.
    /// </summary>
    public int AloneConcurrencyRefusals { get; private set; }

    /// <summary>Bumped whenever the learned window (its bounds) or a refusal's limit changes: the router then shares it with siblings.</summary>
    public int Version { get; private set; }

    /// <summary>A copy of everything learned and of the current window, for a rebuilt router (a config reload) to go on with.</summary>
    public LimitEstimator Copy() => (LimitEstimator)MemberwiseClone();

    /// <summary>
    /// Takes over what a sibling key (same group, upstream, model and configured caps: almost always the same plan) has
    /// learned of the window, and its limit when this key knows none yet, so that a pool learns its window once, not once
    /// per key (docs/pool-efficiency.md, "Siblings"). Each key still counts its own calls and corrects the seed with its own
    /// refusals and successes. A key that is resting (refused, or all of a proven limit sent) is never moved earlier: a
    /// shared figure may only make it rest longer, so sharing never sends a call that would have waited.
    /// </summary>
    public void AdoptFrom(LimitEstimator sibling)
    {
        ArgumentNullException.ThrowIfNull(sibling);
        // A key that never answered (e.g. simply out) has shown no window and no limit worth sharing.
        if (ReferenceEquals(sibling, this) || Exact || sibling.Exact || sibling.Successes == 0)
        {
            return;
        }

        var wasResting = _start is not null && (_refused || (_limitProven && Limit is { } before && _sent >= before));
        WindowLow = sibling.WindowLow;
        WindowHigh = sibling.WindowHigh;
        _highChecked = sibling._highChecked;
        _lowFromProbe = sibling._lowFromProbe;
        _lowDoubted = sibling._lowDoubted;
        _regrowSteps = sibling._regrowSteps;
        var seeded = false;
        if (Limit is null && sibling.Limit is { } limit && sibling.Refusals > 0)
        {
            Limit = limit;
            _limitProven = true;
            _limitSeeded = true;
            seeded = true;
        }

        if (_start is not { } start)
        {
            return;
        }

        var usedUp = _refused || (_limitProven && Limit is { } proven && _sent >= proven);
        if (seeded && usedUp && !_refused)
        {
            UsedUp();
        }

        var openAt = start + OpenAfter(usedUp);
        if (!wasResting || openAt > _openAt)
        {
            _openAt = openAt;
        }
    }

    /// <summary>When the deployment may take its next call, or null when it may now.</summary>
    public DateTimeOffset? BlockedUntil(DateTimeOffset now)
    {
        if (_start is null || now >= _openAt)
        {
            return null;
        }

        return _refused || (Limit is { } limit && _sent >= limit) ? _openAt : null;
    }

    /// <summary>A call was leased at <paramref name="now"/>: counts it, opening a new window when the last one is over.</summary>
    public void OnLease(DateTimeOffset now)
    {
        if (_start is null || now >= _openAt)
        {
            OpenWindow(now);
        }

        _sent++;
        if (_limitProven && !Exact && Limit is { } limit && _sent == limit)
        {
            UsedUp();
            // Used up (the limit is proven): the next window may be probed early, as after a refusal.
            _openAt = _start!.Value + OpenAfter(refused: true);
        }
    }

    /// <summary>A call leased at <paramref name="leasedAt"/> succeeded; <paramref name="window"/> is what its headers said.</summary>
    public void OnSuccess(DateTimeOffset leasedAt, DateTimeOffset now, RequestWindow? window)
    {
        Successes++;
        if (_start is { } start && leasedAt >= _countFrom)
        {
            _ok++;
            if (leasedAt == start)
            {
                _startLatency = now - leasedAt;
            }

            if (!_confirmed && leasedAt >= start)
            {
                _confirmed = true;

                // The upstream took the first call of a window that followed a refused one: the window is at most this long.
                if (_previousRefused && _previousStart is { } previous && !Exact)
                {
                    LearnHigh(start - previous);
                    _openAt = start + OpenAfter(refused: false);
                }
            }

            if (_refused && !Exact && Limit is { } limit && _ok > limit)
            {
                Limit = _ok;
            }
        }

        Read(window, leasedAt, now);
    }

    /// <summary>
    /// A call that was one of <paramref name="inFlightAtLease"/> in flight on the key when leased, and is one of
    /// <paramref name="inFlightAtEnd"/> as it ends, has succeeded.
    /// </summary>
    public void OnConcurrencySuccess(int inFlightAtLease, int inFlightAtEnd)
    {
        AloneConcurrencyRefusals = 0;
        if (Concurrency is not { } limit || inFlightAtLease < limit)
        {
            return;
        }

        if (_concurrencyRaisedFrom is { } from && Math.Min(inFlightAtLease, inFlightAtEnd) > from)
        {
            // The raise held: the upstream took more calls at once than before it. Only when the others were still in
            // flight as this one ended: a call leased beside one whose answer was already on its way (the upstream
            // stops counting a call when its generation ends, before its last bytes arrive) never ran beside it.
            _concurrencyRaisedFrom = null;
            _failedConcurrencyRaises = 0;
        }

        if (++_atConcurrencyCap >= (ConcurrencyGrowEvery * limit) << Math.Min(_failedConcurrencyRaises, MaxRaiseBackoff))
        {
            _concurrencyRaisedFrom = limit;
            Concurrency = limit + 1;
            _atConcurrencyCap = 0;
        }
    }

    /// <summary>The upstream refused a call for concurrency (Z.ai 1302); it was one of <paramref name="inFlightAtLease"/> in flight.</summary>
    public void OnConcurrencyRefused(int inFlightAtLease)
    {
        ConcurrencyRefusals++;
        AloneConcurrencyRefusals = inFlightAtLease <= 1 ? AloneConcurrencyRefusals + 1 : 0;
        var fits = Math.Max(1, inFlightAtLease - 1);
        if (_concurrencyRaisedFrom is { } from && inFlightAtLease > from)
        {
            // The last raise was refused: try the next one twice as late.
            _failedConcurrencyRaises++;
            _concurrencyRaisedFrom = null;
        }

        Concurrency = Concurrency is { } limit && limit < fits ? limit : fits;
        _atConcurrencyCap = 0;
    }

    /// <summary>The upstream refused a call leased at <paramref name="leasedAt"/> for its rate (429, Z.ai 1303).</summary>
    /// <returns>When the key should be tried again.</returns>
    public DateTimeOffset OnRefused(DateTimeOffset leasedAt, DateTimeOffset now, RequestWindow? window)
    {
        Refusals++;
        if (_start is null)
        {
            OpenWindow(leasedAt);
        }

        var start = _start!.Value;
        if (leasedAt >= start)
        {
            _sent = Math.Max(0, _sent - 1);
            if (!_confirmed && _previousStart is { } previous)
            {
                // Nothing of this window has succeeded: the upstream's last window has not ended yet.
                _start = previous;
                _countFrom = previous;
                _sent = _previousSent;
                _ok = _previousOk;
                _startLatency = _previousStartLatency;
                _previousStart = null;
                _previousRefused = false;
                _confirmed = true;
                LearnLow(leasedAt - previous);

                // A refused probe below the bound was its check, or a bisection step after it.
                _highChecked = WindowHigh is not null;
                _lowFromProbe = true;
            }
            else
            {
                if (!_refused && !Exact && _previousStart is { } unfinished && _previousMayRun && _previousOk > _sent)
                {
                    // Refused after fewer calls sent than the last window took without a refusal, and that one was not used
                    // up by a limit of this key's own (only by one a sibling seeded, or not at all): under a fixed window the
                    // upstream's last window is still running (we rolled ours on a guess: the seeded limit, a shared or
                    // assumed length), so both of ours are one of its windows; the "reset" our first success here showed was
                    // only room left. Counting this window's calls alone learned a fraction of the limit (InFlightSimulation,
                    // usage-based routing: a key seeded at 7 of 10, then at 3).
                    _start = unfinished;
                    _countFrom = unfinished;
                    _sent += _previousSent;
                    _ok += _previousOk;
                    _startLatency = _previousStartLatency;
                    _previousStart = null;
                    _previousRefused = false;
                    _previousMayRun = false;
                }

                if (!_refused && !Exact)
                {
                    if (_limitRaisedFrom is { } from && _ok >= from)
                    {
                        // Refused right above the limit before the last raise: that raise failed.
                        _failedLimitRaises++;
                    }

                    _limitRaisedFrom = null;
                    Limit = Math.Max(Math.Max(_ok, 1), Limit is { } old ? old / 2 : 1);
                    _limitSeeded = false;
                    UsedUp();
                }

                LearnLow(leasedAt - _start!.Value);
                _lowFromProbe = false;
            }

            _refused = true;
            _limitProven = true;
            _cleanFull = 0;
        }

        Read(window, leasedAt, now);
        _openAt = _start!.Value + OpenAfter(refused: true);
        if (window is { } w && w.Reset > _openAt)
        {
            _openAt = w.Reset;
        }

        return _openAt;
    }

    /// <summary>
    /// The current window is used up (refused, or all of a proven limit sent). Every so often its successor checks once
    /// just below the learned window whether the window has become shorter (one refused call if not); if it has, the
    /// lower bound is doubted and bisection finds the new length.
    /// </summary>
    private void UsedUp()
    {
        if (++_usedUpWindows % RecheckEvery == 0 && !Exact && WindowHigh is not null)
        {
            _highChecked = false;
        }
    }

    private void OpenWindow(DateTimeOffset now)
    {
        if (_start is not null)
        {
            var full = !_refused && Limit is { } limit && _sent >= limit;
            _cleanFull = full ? _cleanFull + 1 : _refused ? 0 : _cleanFull;
            if (full && _limitRaisedFrom is not null)
            {
                // A window used all of a raised limit without a refusal: the raise held.
                _limitRaisedFrom = null;
                _failedLimitRaises = 0;
            }

            var needed = 2 << Math.Min(_failedLimitRaises, MaxRaiseBackoff);
            if (full && !Exact && _cleanFull >= needed)
            {
                // Additive increase, faster the longer the key has kept up: 1, 2, 4… per clean full window. Raises
                // refused in a row wait twice as long each time (2, 4, 8… clean windows), so a steady limit costs
                // fewer and fewer refused calls.
                _limitRaisedFrom ??= Limit;
                Limit += 1 << Math.Min(_cleanFull - needed, 16);
                _limitProven = false;
            }
        }

        _previousStart = _start;
        _previousSent = _sent;
        _previousOk = _ok;
        _previousStartLatency = _startLatency;
        _startLatency = TimeSpan.Zero;
        _previousRefused = _refused || (_limitProven && !Exact && Limit is { } used && _sent >= used);
        _previousMayRun = !_refused && (_limitSeeded || !_previousRefused);
        _start = now;
        _countFrom = now;
        _sent = 0;
        _ok = 0;
        _refused = false;
        _confirmed = false;
        _openAt = now + OpenAfter(refused: false);
    }

    /// <summary>
    /// How long after its first call a window is taken to end. Only a used-up window (refused, or all of a proven limit
    /// sent) is followed early: a success then bounds the window from above. Any other window rolls at the upper bound,
    /// which keeps it aligned with the upstream's.
    /// </summary>
    private TimeSpan OpenAfter(bool refused)
    {
        if (WindowHigh is { } high)
        {
            if (refused && !Exact && !_highChecked)
            {
                // First check that the window is not (within the tolerance) shorter than the upper bound, the common
                // case of a round window found by the probes below: one refused call settles it. Bisect only if it is
                // shorter. The same check now and then (UsedUp) finds a window that has become shorter.
                return high - Max(high * Tolerance, MinResolution);
            }

            if (refused && !Exact && WindowLow is { } low && high - low > Max(high * Tolerance, MinResolution))
            {
                return (low + high) / 2;
            }

            return high;
        }

        if (refused && WindowLow is { } lower)
        {
            TimeSpan probe;
            if (_regrowSteps >= 0)
            {
                // A window that was known but refused at its end: most likely the answer's timing, or a window grown a
                // little. Step up from the refusal in small, doubling steps.
                probe = lower + Max(MinResolution, lower * Tolerance) * (1 << Math.Min(_regrowSteps, 16));
            }
            else if (RoundBelow(lower) is { } round && _startLatency >= ProbeMargin / 2 && lower < round + _startLatency)
            {
                // The round length was just refused, but the window's first call took a while to answer: the upstream
                // may have opened its window that much later than we did. Try once more that much later.
                probe = round + _startLatency + ProbeMargin;
            }
            else
            {
                // After a window's calls ran out, the next round length above it: skipping the right one would idle the
                // key a whole window, a refused probe costs one call. After a refused probe, one clearly above it.
                probe = NextRoundWindow(lower, _lowFromProbe ? ProbeGrowthAfterProbe : 1.0);
            }

            return probe < DefaultWindow ? probe : DefaultWindow;
        }

        return DefaultWindow;
    }

    /// <summary>
    /// The first window length worth probing above <paramref name="lower"/>: the next round length (1, 2, 3, 5, 10, 15,
    /// 20, 30, 60 s…, what providers publish) at least <paramref name="growth"/> × the bound, plus a small margin for the call's own travel, so a key whose window is
    /// round is found with one refused call per length tried, and the first success lands just after its reset.
    /// </summary>
    /// <summary>The longest round probe (as <see cref="NextRoundWindow"/> gives) at or below <paramref name="lower"/>.</summary>
    private static TimeSpan? RoundBelow(TimeSpan lower)
    {
        TimeSpan? below = null;
        foreach (var seconds in RoundWindows)
        {
            var round = TimeSpan.FromSeconds(seconds);
            var probe = round + ProbeMargin + round * MarginShare;
            if (probe > lower)
            {
                break;
            }

            below = probe;
        }

        return below;
    }

    internal static TimeSpan NextRoundWindow(TimeSpan lower, double growth)
    {
        foreach (var seconds in RoundWindows)
        {
            var round = TimeSpan.FromSeconds(seconds);
            var probe = round + ProbeMargin + round * MarginShare;
            if (round >= lower * growth)
            {
                return probe;
            }
        }

        return Max(lower * growth, lower + MinProbeStep);
    }

    private void LearnLow(TimeSpan low)
    {
        if (Exact)
        {
            return;
        }

        Version++;
        WindowLow = _lowDoubted || WindowLow is not { } l || l < low ? low : l;
        _lowDoubted = false;
        if (WindowHigh is { } high && WindowLow >= high)
        {
            // Refused after the window should have ended: late by the call's own timing, or the window has grown;
            // search upwards again, in small steps first.
            WindowHigh = null;
            _regrowSteps = 0;
        }
        else if (WindowHigh is null && _regrowSteps >= 0)
        {
            _regrowSteps++;
        }
    }

    private void LearnHigh(TimeSpan high)
    {
        Version++;
        // A new bound is checked once just below itself (OpenAfter); one found below the old bound has been.
        if (WindowHigh is { } previous && !_highChecked && high < previous)
        {
            // The check just below the bound succeeded: the window is shorter than thought, maybe much shorter.
            WindowLow = high / 2;
            _lowDoubted = true;
        }
        else if (_lowDoubted && WindowLow is { } guess && high - guess <= Max(high * Tolerance, MinResolution))
        {
            // Successes all the way down to a guessed lower bound: the window may be shorter still.
            WindowLow = high / 2;
        }

        _highChecked = WindowHigh is { } old && (_highChecked || high < old);
        _regrowSteps = -1;
        WindowHigh = WindowHigh is { } h && h < high ? h : high;
        if (WindowLow is { } low && low >= WindowHigh)
        {
            // A success before the old lower bound: the window has shrunk; the old bound no longer holds.
            WindowLow = null;
        }
    }

    /// <summary>Takes the headers' word: the exact limit, what is left of this window and when it resets.</summary>
    private void Read(RequestWindow? window, DateTimeOffset leasedAt, DateTimeOffset now)
    {
        if (window is not { } w || w.Limit <= 0)
        {
            return;
        }

        Exact = true;
        Limit = w.Limit;
        if (w.Reset > now)
        {
            // The window is at least as long as from this call to its reset; the first call of a window makes it exact.
            var length = w.Reset - leasedAt;
            WindowHigh = WindowHigh is { } h && h > length ? h : length;
            WindowLow = WindowHigh;
            _start ??= leasedAt;
            _openAt = w.Reset;
            _sent = Math.Max(_sent, w.Limit - w.Remaining);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
