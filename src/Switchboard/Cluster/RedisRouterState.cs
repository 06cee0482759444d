using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Switchboard.Routing;
using Switchboard.Upstream;

namespace Switchboard.Cluster;

/// <summary>
/// The router's state shared through Redis (architecture decision 6). Cooldowns and disabled keys are announced on the
/// channel and kept in two hashes (for instances that were away); every pick reads the local copy, never Redis. A
/// deployment with <c>max_parallel_requests</c>, <c>rpm</c> or <c>tpm</c> takes a cluster-wide slot per call (one
/// script); freed slots are announced so that waiters on any instance look again.
/// </summary>
internal sealed class RedisRouterState : ISharedRouterState, IDisposable
{
    private static readonly RedisKey CooldownsKey = ClusterKeys.Cooldowns;
    private static readonly RedisKey DisabledKey = ClusterKeys.Disabled;

    /// <summary>How often waiters on a full deployment look again even without an announcement (one may be lost).</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan MergeEvery = TimeSpan.FromSeconds(5);

    private readonly RedisLink _link;
    private readonly LeaseBook _leases;
    private readonly OutageJournal _journal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private volatile Router? _router;
    private long _ticks;
    private int _ticking;

    public RedisRouterState(RedisLink link, LeaseBook leases, OutageJournal journal, TimeProvider time, ILogger logger)
    {
        _link = link;
        _leases = leases;
        _journal = journal;
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(_ => OnTick(), null, Tick, Tick);
    }

    /// <summary>Makes <paramref name="router"/> share its state (a reloaded config's router replaces the last one).</summary>
    public void Attach(Router router)
    {
        ArgumentNullException.ThrowIfNull(router);
        router.Shared = this;
        _router = router;
        if (_link.Connected)
        {
            _ = MergeAsync(push: true);
        }
    }

    /// <summary>A deployment with a cap or window to share; while Redis is away its slots are local and written in the <see cref="OutageJournal"/>.</summary>
    public bool SharesSlots(Deployment deployment) =>
        deployment.Config.MaxParallelRequests is not null || deployment.Config.Rpm is not null || deployment.Config.Tpm is not null;

    public async ValueTask<long?> TryTakeSlotAsync(Deployment deployment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        if (!_link.Connected)
        {
            return Alone(deployment);
        }

        var now = _time.GetUtcNow();
        var minute = now.ToUnixTimeSeconds() / 60;
        var (token, member) = _leases.Next();
        var id = deployment.Id;
        var slots = SlotsKey(id);
        RedisResult result;
        try
        {
            result = await _link.Database.ScriptEvaluateAsync(ClusterScripts.TakeDeploymentSlot,
                [slots, WindowKey(id, "rpm", minute), WindowKey(id, "tpm", minute)],
                [now.ToUnixTimeMilliseconds(), deployment.Config.MaxParallelRequests ?? 0, member, _leases.ExpiryMs(),
                    deployment.Config.Rpm ?? 0, deployment.Config.Tpm ?? 0]).WaitAsync(ct);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            // Redis went away: this call goes on with the local cap only (architecture decision 6).
            _link.MarkDown(e);
            return Alone(deployment);
        }

        switch ((int)result)
        {
            case 1:
                if (deployment.Config.MaxParallelRequests is not null)
                {
                    _leases.Hold(token, slots, member);
                }

                return token;
            case -2:
                _router?.SharedWindowFull(deployment, DateTimeOffset.FromUnixTimeSeconds((minute + 1) * 60));
                return null;
            default:
                return null;
        }
    }

    public void ReleaseSlot(Deployment deployment, long token, long tokens)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var journalled = _journal.TryRelease(token);
        if (!_link.Connected)
        {
            if (!journalled && _leases.TryRelease(token, out var held, out var heldMember))
            {
                _journal.Released(held, heldMember);
            }

            if (deployment.Config.Tpm is not null && tokens > 0)
            {
                _journal.DeploymentTokens(deployment.Id, tokens);
            }

            return;
        }

        try
        {
            var db = _link.Database;
            if (!journalled && _leases.TryRelease(token, out var slots, out var member))
            {
                var freed = new ClusterMessage(ClusterMessage.SlotFreed, _link.Instance, deployment.Id).Encode();
                db.ScriptEvaluate(ClusterScripts.ReleaseDeploymentSlot, [slots], [member, RedisLink.Channel.ToString(), freed], CommandFlags.FireAndForget);
            }

            if (deployment.Config.Tpm is not null && tokens > 0)
            {
                var key = WindowKey(deployment.Id, "tpm", _time.GetUtcNow().ToUnixTimeSeconds() / 60);
                db.StringIncrement(key, tokens, CommandFlags.FireAndForget);
                db.KeyExpire(key, TimeSpan.FromMinutes(2), CommandFlags.FireAndForget);
            }
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            _link.MarkDown(e);
        }
    }

    /// <summary>Redis is away: the slot is this instance's alone (its local cap holds), journalled for the merge.</summary>
    private long Alone(Deployment deployment) =>
        _journal.TakeDeploymentSlot(deployment.Id, deployment.Config.MaxParallelRequests is not null, deployment.Config.Rpm is not null);

    public void CooldownStarted(Deployment deployment, DateTimeOffset until, FailureKind kind, string reason)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        PushCooldown(deployment.Id, until.ToUnixTimeMilliseconds(), kind, reason);
    }

    public void Disabled(Deployment deployment, string reason)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        PushDisabled(deployment.Id, reason);
    }

    public void Enabled(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        if (!_link.Connected)
        {
            return;
        }

        try
        {
            var db = _link.Database;
            db.HashDelete(DisabledKey, deployment.Id, CommandFlags.FireAndForget);
            db.HashDelete(CooldownsKey, deployment.Id, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            _link.MarkDown(e);
        }

        _link.Publish(new ClusterMessage(ClusterMessage.Enabled, _link.Instance, deployment.Id).Encode());
    }

    /// <summary>An announcement from another instance.</summary>
    public void Apply(ClusterMessage message)
    {
        if (_router is not { } router)
        {
            return;
        }

        switch (message.Kind)
        {
            case ClusterMessage.Cooldown:
                router.ApplySharedCooldown(message.Subject, DateTimeOffset.FromUnixTimeMilliseconds(message.UntilMs), message.FailureKind, message.Reason);
                break;
            case ClusterMessage.Disabled:
                router.ApplySharedDisabled(message.Subject, disabled: true, message.Reason);
                break;
            case ClusterMessage.Enabled:
                router.ApplySharedDisabled(message.Subject, disabled: false, "enabled on another instance");
                break;
            case ClusterMessage.SlotFreed:
                router.SharedSlotFreed(message.Subject);
                break;
        }
    }

    /// <summary>
    /// After a (re)connection, and every few seconds: what this instance learnt while Redis was away goes to Redis
    /// (<paramref name="push"/>), and what Redis holds is applied here.
    /// </summary>
    public async Task MergeAsync(bool push)
    {
        if (_router is not { } router || !_link.Connected)
        {
            return;
        }

        try
        {
            var count = 0;
            if (push)
            {
                foreach (var state in router.SharedStates())
                {
                    count++;
                    if (state.Disabled)
                    {
                        PushDisabled(state.DeploymentId, state.DisabledReason);
                    }
                    else if (state.CooldownUntil is { } until)
                    {
                        PushCooldown(state.DeploymentId, until.ToUnixTimeMilliseconds(), state.CooldownKind, state.CooldownReason);
                    }
                }
            }

            var db = _link.Database;
            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var entry in await db.HashGetAllAsync(CooldownsKey))
            {
                var (untilMs, kind, reason) = ClusterMessage.ParseCooldownValue(entry.Value.ToString());
                if (untilMs <= nowMs)
                {
                    db.HashDelete(CooldownsKey, entry.Name, CommandFlags.FireAndForget);
                    continue;
                }

                router.ApplySharedCooldown(entry.Name.ToString(), DateTimeOffset.FromUnixTimeMilliseconds(untilMs), kind, reason);
            }

            foreach (var entry in await db.HashGetAllAsync(DisabledKey))
            {
                router.ApplySharedDisabled(entry.Name.ToString(), disabled: true, entry.Value.ToString());
            }

            if (push)
            {
                Log.Merged(_logger, count);
            }
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            _link.MarkDown(e);
        }
        catch (FormatException e)
        {
            Log.BadMessage(_logger, e.Message, e);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void PushCooldown(string id, long untilMs, FailureKind kind, string reason)
    {
        if (!_link.Connected)
        {
            return;
        }

        try
        {
            var message = new ClusterMessage(ClusterMessage.Cooldown, _link.Instance, id, untilMs, kind, reason).Encode();
            _link.Database.ScriptEvaluate(ClusterScripts.SetCooldown, [CooldownsKey],
                [id, untilMs, ClusterMessage.CooldownValue(untilMs, kind, reason), RedisLink.Channel.ToString(), message], CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            _link.MarkDown(e);
        }
    }

    private void PushDisabled(string id, string reason)
    {
        if (!_link.Connected)
        {
            return;
        }

        try
        {
            _link.Database.HashSet(DisabledKey, id, reason, flags: CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            _link.MarkDown(e);
        }

        _link.Publish(new ClusterMessage(ClusterMessage.Disabled, _link.Instance, id, Reason: reason).Encode());
    }

    private void OnTick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            var ticks = Interlocked.Increment(ref _ticks);
            if (_router is { } router)
            {
                foreach (var id in router.SharedSlotsFullIds())
                {
                    router.SharedSlotFreed(id);
                }
            }

            var tasks = new List<Task>();
            if (ticks % Math.Max(1, (long)(_leases.Ttl / 3 / Tick)) == 0)
            {
                tasks.Add(_leases.RenewAsync());
            }

            if (ticks % (long)(MergeEvery / Tick) == 0)
            {
                tasks.Add(MergeAsync(push: false));
                if (!_journal.IsEmpty)
                {
                    // Counted alone in a moment when Redis was back but not yet seen to be.
                    tasks.Add(_journal.MergeAsync());
                }
            }

            Task.WhenAll(tasks).ContinueWith(_ => Volatile.Write(ref _ticking, 0), TaskScheduler.Default);
        }
        catch
        {
            Volatile.Write(ref _ticking, 0);
            throw;
        }
    }

    private static RedisKey SlotsKey(string id) => ClusterKeys.DeploymentSlots(id);

    private static RedisKey WindowKey(string id, string what, long minute) => ClusterKeys.DeploymentWindow(id, what, minute);
}
