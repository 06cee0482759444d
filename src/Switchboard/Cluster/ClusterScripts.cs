namespace Switchboard.Cluster;

/// <summary>
/// The Lua scripts that change shared counters atomically (StackExchange.Redis sends each by its SHA once loaded). Every
/// script touches the keys of one deployment or one virtual key only, all under one hash tag (<c>{dep:ID}</c>,
/// <c>{key:HASH}</c>), so they run on Redis Cluster too. Times are Unix milliseconds from the gateways' clocks.
/// </summary>
internal static class ClusterScripts
{
    /// <summary>
    /// A deployment slot. KEYS: slots (sorted set of leases by expiry), rpm and tpm counters of this minute. ARGV: now,
    /// max parallel (0: none), lease member, lease expiry, rpm (0: none), tpm (0: none). Returns 1 taken, -1 every slot
    /// is held, -2 the minute's rpm or tpm is used up.
    /// </summary>
    public const string TakeDeploymentSlot = """
        local maxp = tonumber(ARGV[2])
        if maxp > 0 then
          redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
          if redis.call('ZCARD', KEYS[1]) >= maxp then return -1 end
        end
        local rpm = tonumber(ARGV[5])
        if rpm > 0 and tonumber(redis.call('GET', KEYS[2]) or '0') >= rpm then return -2 end
        local tpm = tonumber(ARGV[6])
        if tpm > 0 and tonumber(redis.call('GET', KEYS[3]) or '0') >= tpm then return -2 end
        if maxp > 0 then
          redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
          redis.call('PEXPIRE', KEYS[1], 3600000)
        end
        if rpm > 0 then
          redis.call('INCR', KEYS[2])
          redis.call('PEXPIRE', KEYS[2], 120000)
        end
        return 1
        """;

    /// <summary>Frees a deployment slot and tells every instance. KEYS: slots. ARGV: member, channel, message.</summary>
    public const string ReleaseDeploymentSlot = """
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return 1
        """;

    /// <summary>Pushes the expiry of leases still held (of a deployment or a key). KEYS: the leases. ARGV: expiry, members….</summary>
    public const string RenewLeases = """
        for i = 2, #ARGV do
          redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i])
        end
        return 1
        """;

    /// <summary>
    /// A cooldown, kept if it ends later than the one Redis has, and announced. KEYS: cooldown hash. ARGV: deployment id,
    /// end, stored value, channel, message. Returns 1 when it was newer.
    /// </summary>
    public const string SetCooldown = """
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if current then
          local ends = tonumber(string.match(current, '^(%d+)'))
          if ends and ends >= tonumber(ARGV[2]) then return 0 end
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        redis.call('PUBLISH', ARGV[4], ARGV[5])
        return 1
        """;

    /// <summary>
    /// One call of a virtual key. KEYS: rpm requests (sorted set by time), parallel leases (by expiry), tokens (by time,
    /// member ends in :TOKENS), spend of the budget period. ARGV: now, rpm, parallel, member, lease expiry, tpm, estimated
    /// tokens, max budget (-1: none), least cost, this instance's spend (to start the counter from). Limits of 0: none.
    /// Returns {code, wait ms, spend}: 0 admitted, 1 budget, 2 rpm, 3 tpm, 4 parallel.
    /// </summary>
    public const string AdmitKey = """
        local now = tonumber(ARGV[1])
        if redis.call('EXISTS', KEYS[4]) == 0 then
          redis.call('SET', KEYS[4], ARGV[10], 'PX', 3456000000)
        end
        local spend = redis.call('GET', KEYS[4])
        local budget = tonumber(ARGV[8])
        if budget >= 0 then
          local spent = tonumber(spend)
          if spent >= budget or spent + tonumber(ARGV[9]) > budget then return {1, 0, spend} end
        end
        local rpm = tonumber(ARGV[2])
        if rpm > 0 then
          redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
          if redis.call('ZCARD', KEYS[1]) >= rpm then
            local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
            return {2, tonumber(oldest[2]) + 60000 - now, spend}
          end
        end
        local tpm = tonumber(ARGV[6])
        if tpm > 0 then
          redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 60000)
          local used = 0
          for _, m in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
            used = used + tonumber(string.match(m, ':(%d+)$'))
          end
          if used >= tpm or used + tonumber(ARGV[7]) > tpm then return {3, 60000, spend} end
        end
        local parallel = tonumber(ARGV[3])
        if parallel > 0 then
          redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
          if redis.call('ZCARD', KEYS[2]) >= parallel then return {4, 1000, spend} end
          redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
          redis.call('PEXPIRE', KEYS[2], 3600000)
        end
        if rpm > 0 then
          redis.call('ZADD', KEYS[1], now, ARGV[4])
          redis.call('PEXPIRE', KEYS[1], 61000)
        end
        return {0, 0, spend}
        """;

    /// <summary>
    /// Outage merge (<see cref="OutageJournal"/>): the calls a deployment took alone in this minute. KEYS: rpm and tpm
    /// counters of this minute. ARGV: requests, tokens.
    /// </summary>
    public const string MergeDeploymentWindow = """
        if tonumber(ARGV[1]) > 0 then
          redis.call('INCRBY', KEYS[1], ARGV[1])
          redis.call('PEXPIRE', KEYS[1], 120000)
        end
        if tonumber(ARGV[2]) > 0 then
          redis.call('INCRBY', KEYS[2], ARGV[2])
          redis.call('PEXPIRE', KEYS[2], 120000)
        end
        return 1
        """;

    /// <summary>
    /// Outage merge: leases of calls still running, taken while Redis was away. KEYS: the lease set. ARGV: now, expiry,
    /// members…. Expired leases go first, as when a slot is taken.
    /// </summary>
    public const string RegisterLeases = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        for i = 3, #ARGV do
          redis.call('ZADD', KEYS[1], ARGV[2], ARGV[i])
        end
        redis.call('PEXPIRE', KEYS[1], 3600000)
        return 1
        """;

    /// <summary>
    /// Outage merge of one virtual key. KEYS: rpm requests, tokens, spend of the budget period. ARGV: now, spend to add,
    /// spend to start from when the counter is gone (Redis came back empty; -1: leave it to the next admission), number
    /// of requests, then (time, member) of each request, then (time, member ending in :TOKENS) of each call's tokens.
    /// Entries older than the sliding minute are dropped. Returns the requests added.
    /// </summary>
    public const string MergeKey = """
        local now = tonumber(ARGV[1])
        local n = tonumber(ARGV[4])
        local i = 5
        local added = 0
        for _ = 1, n do
          local at = tonumber(ARGV[i])
          if at > now - 60000 then
            redis.call('ZADD', KEYS[1], at, ARGV[i + 1])
            added = added + 1
          end
          i = i + 2
        end
        if added > 0 then redis.call('PEXPIRE', KEYS[1], 61000) end
        local tokens = 0
        while i < #ARGV do
          local at = tonumber(ARGV[i])
          if at > now - 60000 then
            redis.call('ZADD', KEYS[2], at, ARGV[i + 1])
            tokens = tokens + 1
          end
          i = i + 2
        end
        if tokens > 0 then redis.call('PEXPIRE', KEYS[2], 61000) end
        if tonumber(ARGV[2]) > 0 then
          if redis.call('EXISTS', KEYS[3]) == 1 then
            redis.call('INCRBYFLOAT', KEYS[3], ARGV[2])
          elseif tonumber(ARGV[3]) >= 0 then
            redis.call('SET', KEYS[3], ARGV[3], 'PX', 3456000000)
          end
        end
        return added
        """;
}
