using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Switchboard.Cluster;

/// <summary>
/// What this instance counted on its own while Redis was away (architecture decision 6), pushed to Redis when it is
/// back: deployment rpm/tpm of the running minute, virtual keys' rpm/tpm entries of the sliding minute and budget spend,
/// and the concurrency leases of calls still running. Windows that ended meanwhile are dropped; a running call's lease
/// is registered with a fresh expiry and renewed from then on like any other. Bounded: at most <see cref="MaxEvents"/>
/// window entries per outage (older window entries are pruned as they leave the minute); past that, calls are counted
/// here only. Nothing here waits on Redis: the journal is a few dictionaries under one lock.
/// </summary>
internal sealed class OutageJournal(RedisLink link, LeaseBook leases, TimeProvider time, ILogger logger)
{
    /// <summary>The most window entries (one per admitted call, one per call's tokens) one outage keeps.</summary>
    public const int MaxEvents = 100_000;

    private const long WindowMs = 60_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Id, long Minute), DeploymentWindow> _deployments = [];
    private readonly Dictionary<string, KeyWindows> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<long, (RedisKey Set, string Member)> _inFlight = [];
    private readonly List<(RedisKey Set, RedisValue Member)> _released = [];
    private int _events;
    private int _dropped;

    /// <summary>Leases in <see cref="_inFlight"/>, read without the lock: a release while Redis answers takes no lock when there are none.</summary>
    private volatile int _inFlightCount;

    /// <summary>Nothing to merge.</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_gate)
            {
                return _deployments.Count == 0 && _keys.Count == 0 && _inFlight.Count == 0 && _released.Count == 0;
            }
        }
    }

    /// <summary>A deployment call taken alone: counts it in this minute's rpm, and holds a lease when the deployment is capped.</summary>
    /// <returns>The token that <see cref="TryRelease"/> takes back.</returns>
    public long TakeDeploymentSlot(string id, bool capped, bool countRequest)
    {
        var (token, member) = leases.Next();
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        lock (_gate)
        {
            if (countRequest)
            {
                Window(id, minute).Requests++;
            }

            if (capped)
            {
                _inFlight[token] = (ClusterKeys.DeploymentSlots(id), member);
                _inFlightCount = _inFlight.Count;
            }
        }

        return token;
    }

    /// <summary>A deployment call's tokens, for the tpm of this minute.</summary>
    public void DeploymentTokens(string id, long tokens)
    {
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        lock (_gate)
        {
            Window(id, minute).Tokens += tokens;
        }
    }

    /// <summary>A virtual key's call admitted alone.</summary>
    /// <returns>A lease token when the key caps parallel calls, else 0.</returns>
    public long AdmitKey(string hash, bool countRequest, bool capped, double localSpend, long period)
    {
        var (token, member) = leases.Next();
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            var key = Key(hash);
            if (countRequest)
            {
                Add(key.Requests, nowMs, member);
            }

            // The spend this instance knows now: what Redis starts from if it comes back empty.
            if (key.Period != period)
            {
                key.SpendDelta = 0;
            }

            key.Period = period;
            key.SpendFloor = localSpend;
            key.SpendSinceFloor = 0;
            if (capped)
            {
                _inFlight[token] = (ClusterKeys.Key(hash, "parallel"), member);
                _inFlightCount = _inFlight.Count;
            }
        }

        return capped ? token : 0;
    }

    /// <summary>A virtual key's finished call: its tokens (for tpm) and cost (for the budget).</summary>
    public void KeyRecord(string hash, long period, long tokens, double cost, bool trackTokens)
    {
        var (_, member) = leases.Next();
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            var key = Key(hash);
            if (trackTokens && tokens > 0)
            {
                Add(key.Tokens, nowMs, member + ":" + tokens.ToString(CultureInfo.InvariantCulture));
            }

            if (cost > 0)
            {
                if (key.Period != period)
                {
                    // A call admitted in an earlier period (or before the outage): its cost counts in its own period only.
                    if (period != 0 && period * 1000 <= nowMs)
                    {
                        return;
                    }

                    key.Period = period;
                    key.SpendDelta = 0;
                    key.SpendFloor = -1;
                    key.SpendSinceFloor = 0;
                }

                key.SpendDelta += cost;
                key.SpendSinceFloor += cost;
            }
        }
    }

    /// <summary>Takes back a lease of <see cref="TakeDeploymentSlot"/> or <see cref="AdmitKey"/> not merged yet.</summary>
    public bool TryRelease(long token)
    {
        if (_inFlightCount == 0)
        {
            return false;
        }

        lock (_gate)
        {
            var removed = _inFlight.Remove(token);
            _inFlightCount = _inFlight.Count;
            return removed;
        }
    }

    /// <summary>A lease held in Redis before the outage ended while it lasted: removed from Redis at the merge.</summary>
    public void Released(RedisKey set, RedisValue member)
    {
        lock (_gate)
        {
            if (_released.Count < MaxEvents)
            {
                _released.Add((set, member));
            }
        }
    }

    /// <summary>
    /// Pushes everything to Redis, one atomic script per deployment window, per lease set and per virtual key; what
    /// fails to go (Redis away again) is kept for the next merge. Called when Redis is back and every few seconds.
    /// </summary>
    public async Task MergeAsync()
    {
        if (!link.Connected)
        {
            return;
        }

        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var minute = now.ToUnixTimeSeconds() / 60;
        List<(string Id, DeploymentWindow Window)> windows;
        List<(string Hash, KeyWindows Key)> keys;
        List<(long Token, RedisKey Set, string Member)> running;
        List<(RedisKey Set, RedisValue Member)> released;
        int dropped;
        lock (_gate)
        {
            // Windows of an earlier minute no longer count anywhere: dropped.
            windows = [.. _deployments.Where(e => e.Key.Minute == minute).Select(e => (e.Key.Id, e.Value))];
            keys = [.. _keys.Select(e => (e.Key, e.Value))];
            running = [.. _inFlight.Select(e => (e.Key, e.Value.Set, e.Value.Member))];
            released = [.. _released];
            _deployments.Clear();
            _keys.Clear();
            _inFlight.Clear();
            _inFlightCount = 0;
            _released.Clear();
            _events = 0;
            dropped = Interlocked.Exchange(ref _dropped, 0);

            // From here the running calls' leases are renewed and released as any other (a release racing this merge
            // leaves its lease to expire after the lease time).
            foreach (var (token, set, member) in running)
            {
                leases.Hold(token, set, member);
            }
        }

        if (windows.Count == 0 && keys.Count == 0 && running.Count == 0 && released.Count == 0)
        {
            return;
        }

        var db = link.Database;
        var tasks = new List<Task>();
        foreach (var (id, window) in windows)
        {
            tasks.Add(db.ScriptEvaluateAsync(ClusterScripts.MergeDeploymentWindow,
                [ClusterKeys.DeploymentWindow(id, "rpm", minute), ClusterKeys.DeploymentWindow(id, "tpm", minute)], [window.Requests, window.Tokens]));
        }

        var expiry = (RedisValue)leases.ExpiryMs();
        foreach (var set in running.GroupBy(r => r.Set))
        {
            tasks.Add(db.ScriptEvaluateAsync(ClusterScripts.RegisterLeases, [set.Key], [nowMs, expiry, .. set.Select(r => (RedisValue)r.Member)]));
        }

        foreach (var (set, member) in released)
        {
            tasks.Add(db.SortedSetRemoveAsync(set, member));
        }

        var spend = 0.0;
        foreach (var (hash, key) in keys)
        {
            // The spend of a budget period that ended meanwhile is dropped with it.
            var periodOver = key.Period != 0 && key.Period * 1000 <= nowMs;
            var delta = periodOver ? 0 : key.SpendDelta;
            spend += delta;
            var args = new List<RedisValue>(4 + ((key.Requests.Count + key.Tokens.Count) * 2))
            {
                nowMs,
                Money(delta),
                key.SpendFloor < 0 ? "-1" : Money(key.SpendFloor + key.SpendSinceFloor),
                key.Requests.Count,
            };
            foreach (var (at, member) in key.Requests)
            {
                args.Add(at);
                args.Add(member);
            }

            foreach (var (at, member) in key.Tokens)
            {
                args.Add(at);
                args.Add(member);
            }

            tasks.Add(db.ScriptEvaluateAsync(ClusterScripts.MergeKey,
                [ClusterKeys.Key(hash, "rpm"), ClusterKeys.Key(hash, "tokens"), ClusterKeys.KeySpend(hash, key.Period)], [.. args]));
        }

        try
        {
            await Task.WhenAll(tasks);
            Log.OutageMerged(logger, windows.Sum(w => w.Window.Requests) + keys.Sum(k => k.Key.Requests.Count), running.Count, spend, dropped);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            // Away again: keep what may not have gone for the next merge (a script that did run is then counted twice,
            // which errs on the side of the limits).
            link.MarkDown(e);
            Restore(windows, keys, running, minute);
        }
    }

    private void Restore(List<(string Id, DeploymentWindow Window)> windows, List<(string Hash, KeyWindows Key)> keys,
        List<(long Token, RedisKey Set, string Member)> running, long minute)
    {
        lock (_gate)
        {
            foreach (var (id, window) in windows)
            {
                var w = Window(id, minute);
                w.Requests += window.Requests;
                w.Tokens += window.Tokens;
            }

            foreach (var (hash, key) in keys)
            {
                if (!_keys.TryAdd(hash, key) && _keys[hash] is { } current && current.Period == key.Period)
                {
                    current.SpendDelta += key.SpendDelta;
                    foreach (var entry in key.Requests)
                    {
                        current.Requests.Enqueue(entry);
                    }

                    foreach (var entry in key.Tokens)
                    {
                        current.Tokens.Enqueue(entry);
                    }
                }
            }

            foreach (var (token, set, member) in running)
            {
                if (leases.TryRelease(token, out _, out _))
                {
                    _inFlight[token] = (set, member);
                }
            }

            _inFlightCount = _inFlight.Count;
        }
    }

    private DeploymentWindow Window(string id, long minute)
    {
        if (!_deployments.TryGetValue((id, minute), out var window))
        {
            // A new minute: the earlier ones no longer count anywhere.
            foreach (var old in _deployments.Keys.Where(k => k.Minute < minute).ToList())
            {
                _deployments.Remove(old);
            }

            window = new DeploymentWindow();
            _deployments[(id, minute)] = window;
        }

        return window;
    }

    private KeyWindows Key(string hash)
    {
        if (!_keys.TryGetValue(hash, out var key))
        {
            key = new KeyWindows();
            _keys[hash] = key;
        }

        return key;
    }

    private void Add(Queue<(long At, string Member)> entries, long nowMs, string member)
    {
        while (entries.Count > 0 && entries.Peek().At <= nowMs - WindowMs)
        {
            entries.Dequeue();
            _events--;
        }

        if (_events >= MaxEvents)
        {
            _dropped++;
            return;
        }

        entries.Enqueue((nowMs, member));
        _events++;
    }

    private static string Money(double usd) => usd.ToString("R", CultureInfo.InvariantCulture);

    private sealed class DeploymentWindow
    {
        public long Requests { get; set; }

        public long Tokens { get; set; }
    }

    private sealed class KeyWindows
    {
        public Queue<(long At, string Member)> Requests { get; } = new();

        public Queue<(long At, string Member)> Tokens { get; } = new();

        public long Period { get; set; }

        public double SpendDelta { get; set; }

        /// <summary>This instance's spend at its last admission of the key during the outage; -1 when unknown.</summary>
        public double SpendFloor { get; set; } = -1;

        public double SpendSinceFloor { get; set; }
    }
}
