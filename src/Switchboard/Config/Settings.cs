using System.Globalization;
using System.Text;
using Switchboard.Observability;

namespace Switchboard.Config;

/// <summary><c>router_settings</c>. Parsed and validated by the loader, honoured by the router.</summary>
public sealed record RouterSettings
{
    /// <summary>round-robin (the guide's default), simple-shuffle, least-connections, least-busy, usage-based-routing(-v2), latency-based-routing, order.</summary>
    public string RoutingStrategy { get; init; } = "round-robin";
    public int? NumRetries { get; init; }
    public TimeSpan CooldownTime { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan? RequestTimeout { get; init; }
    public TimeSpan? Timeout { get; init; }
    public TimeSpan? StreamTimeout { get; init; }

    /// <summary>The longest gap allowed between two reads of an upstream stream; a deployment's own value wins.</summary>
    public TimeSpan StreamIdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How often a key disabled by 401/403 is tried again with a tiny request; null (the default) never.</summary>
    public TimeSpan? DisabledProbeInterval { get; init; }

    /// <summary>Failures (5xx, timeouts, connection errors) per deployment per minute before it cools down.</summary>
    public int AllowedFails { get; init; } = 3;

    /// <summary>Retries per failure class (<c>retry_policy</c>, e.g. <c>RateLimitErrorRetries: 3</c>).</summary>
    public IReadOnlyDictionary<string, int> RetryPolicy { get; init; } = new Dictionary<string, int>();

    /// <summary><c>fallbacks: [{glm-pool: [backup-pool]}]</c>, in order.</summary>
    public IReadOnlyList<FallbackRule> Fallbacks { get; init; } = [];
    public IReadOnlyList<FallbackRule> ContextWindowFallbacks { get; init; } = [];
    public IReadOnlyDictionary<string, string> ModelGroupAlias { get; init; } = new Dictionary<string, string>();

    /// <summary>Aliases given as <c>{model: x, hidden: true}</c>: they route, but <c>/v1/models</c> does not list them.</summary>
    public IReadOnlySet<string> HiddenModelGroupAliases { get; init; } = new HashSet<string>();

    /// <summary>Ours: wait up to this long for a cooling deployment instead of failing with 429.</summary>
    public TimeSpan WaitForCooldown { get; init; }

    /// <summary>
    /// Ours: learn each deployment's requests per window from its answers and pace to them; a rate-limit refusal rests
    /// the key until its window resets, not for <see cref="CooldownTime"/>. False keeps the guide's fixed cooldowns.
    /// </summary>
    public bool AdaptiveLimits { get; init; } = true;

    /// <summary>Ours: sessions stick to the deployment that served their first call.</summary>
    public bool SessionAffinity { get; init; }

    /// <summary>latency-based-routing: deployments within this fraction of the fastest count as equal.</summary>
    public double LowestLatencyBuffer { get; init; }

    /// <summary>Bound of the queue of calls waiting for a free concurrency slot.</summary>
    public int MaxQueuedRequests { get; init; } = 1000;

    public string? RedisHost { get; init; }
    public int? RedisPort { get; init; }
    public string? RedisPassword { get; init; }
    public string? RedisUrl { get; init; }

    /// <summary><c>redis_username</c> (Redis 6 ACL user), as LiteLLM's <c>REDIS_USERNAME</c>.</summary>
    public string? RedisUsername { get; init; }

    /// <summary><c>redis_ssl</c>: TLS to Redis (as <c>rediss://</c>).</summary>
    public bool? RedisSsl { get; init; }

    /// <summary>Sentinel: <c>redis_sentinel_nodes</c> (<c>host:port</c> each) and the master's <c>service_name</c>.</summary>
    public IReadOnlyList<string>? RedisSentinelNodes { get; init; }

    public string? RedisServiceName { get; init; }
    public string? RedisSentinelPassword { get; init; }

    /// <summary>Redis Cluster: <c>redis_startup_nodes</c> (<c>host:port</c> each).</summary>
    public IReadOnlyList<string>? RedisClusterNodes { get; init; }

    /// <summary>Ours: life of a concurrency lease in Redis, renewed while its call runs; a crashed instance's slots come back after it.</summary>
    public TimeSpan? SharedLeaseTtl { get; init; }

    /// <summary>LiteLLM's pre-call context-window check; parsed, honoured where the router can.</summary>
    public bool EnablePreCallChecks { get; init; }

    /// <summary>LiteLLM's router-level response cache switch.</summary>
    public bool CacheResponses { get; init; }

    /// <summary>What <c>ToString()</c> prints: the Redis password masked, also inside <c>redis_url</c>.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture,
            $"RoutingStrategy = {RoutingStrategy}, NumRetries = {NumRetries}, CooldownTime = {CooldownTime}, RequestTimeout = {RequestTimeout}, ");
        builder.Append(CultureInfo.InvariantCulture,
            $"Timeout = {Timeout}, StreamTimeout = {StreamTimeout}, AllowedFails = {AllowedFails}, SessionAffinity = {SessionAffinity}, ");
        builder.Append(CultureInfo.InvariantCulture,
            $"MaxQueuedRequests = {MaxQueuedRequests}, RedisHost = {RedisHost}, RedisPort = {RedisPort}, ");
        builder.Append(CultureInfo.InvariantCulture,
            $"RedisPassword = {(RedisPassword is null ? null : KeyMask.Mask(RedisPassword))}, RedisUrl = {SecretRedactor.MaskUrlPassword(RedisUrl)}, ");
        builder.Append(CultureInfo.InvariantCulture,
            $"RedisServiceName = {RedisServiceName}, RedisSentinelNodes = {(RedisSentinelNodes is null ? null : string.Join(",", RedisSentinelNodes))}, ");
        builder.Append(CultureInfo.InvariantCulture,
            $"RedisSentinelPassword = {(RedisSentinelPassword is null ? null : KeyMask.Mask(RedisSentinelPassword))}, RedisClusterNodes = {(RedisClusterNodes is null ? null : string.Join(",", RedisClusterNodes))}");
        return true;
    }
}

public sealed record FallbackRule(string ModelGroup, IReadOnlyList<string> Fallbacks);

/// <summary><c>litellm_settings</c>.</summary>
public sealed record LiteLlmSettings
{
    public bool DropParams { get; init; }
    public TimeSpan? RequestTimeout { get; init; }
    public int? NumRetries { get; init; }
    public bool Cache { get; init; }
    public IReadOnlyDictionary<string, string> CacheParams { get; init; } = new Dictionary<string, string>();
    public bool SetVerbose { get; init; }

    /// <summary>One JSON object per log line (request lines, router events) instead of text.</summary>
    public bool JsonLogs { get; init; }

    /// <summary>
    /// <c>callbacks</c> (with <c>success_callback</c> / <c>failure_callback</c>): <c>otel</c> turns OpenTelemetry traces on;
    /// <c>prometheus</c> is accepted (metrics are on anyway unless <c>general_settings.disable_metrics</c>).
    /// </summary>
    public IReadOnlyList<string> Callbacks { get; init; } = [];

    /// <summary>LiteLLM's <c>require_auth_for_metrics_endpoint</c>: <c>/metrics</c> needs the master key (default off).</summary>
    public bool RequireAuthForMetricsEndpoint { get; init; }
}

/// <summary><c>general_settings</c>.</summary>
public sealed record GeneralSettings
{
    public string? MasterKey { get; init; }
    public string? DatabaseUrl { get; init; }

    /// <summary>
    /// LiteLLM's <c>store_model_in_db</c> (or its <c>STORE_MODEL_IN_DB=True</c>): deployments added by <c>/model/new</c> live
    /// in the database, keys encrypted, beside those of the file.
    /// </summary>
    public bool StoreModelInDb { get; init; }

    /// <summary>LiteLLM's <c>disable_spend_logs</c>: no usage record per call (budgets still count spend in memory).</summary>
    public bool DisableSpendLogs { get; init; }

    /// <summary>Largest accepted request body (<c>max_request_size_mb</c>); 16 MiB by default.</summary>
    public long MaxRequestBodyBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>The default of <see cref="MaxSseEventBytes"/>: 16 MiB.</summary>
    public const int DefaultMaxSseEventBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Ours (<c>max_sse_event_bytes</c>): the largest single server-sent event accepted from an upstream. An upstream that
    /// sends more without the blank line that ends an event fails the call (an error event to the client) instead of
    /// growing the gateway's buffer without bound.
    /// </summary>
    public int MaxSseEventBytes { get; init; } = DefaultMaxSseEventBytes;

    /// <summary>What <c>ToString()</c> prints: the master key masked, the database password hidden.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture,
            $"MasterKey = {(MasterKey is null ? null : KeyMask.Mask(MasterKey))}, DatabaseUrl = {SecretRedactor.MaskUrlPassword(DatabaseUrl)}, ");
        builder.Append(CultureInfo.InvariantCulture,
            $"DisableSpendLogs = {DisableSpendLogs}, MaxRequestBodyBytes = {MaxRequestBodyBytes}, MaxSseEventBytes = {MaxSseEventBytes}, GracefulShutdown = {GracefulShutdown}");
        return true;
    }

    /// <summary>
    /// <c>graceful_shutdown_s</c> (ours; LiteLLM has none): on SIGTERM, how long calls in flight may take to finish
    /// before their connections are closed; 30 s by default. Usage rows are written after it.
    /// </summary>
    public TimeSpan GracefulShutdown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>ssl_keyfile_path</c>: the PEM private key for HTTPS (LiteLLM's <c>--ssl_keyfile_path</c>; the flag wins).</summary>
    public string? SslKeyfilePath { get; init; }

    /// <summary><c>ssl_certfile_path</c>: the PEM certificate (chain) for HTTPS; with the key, the gateway serves HTTPS only.</summary>
    public string? SslCertfilePath { get; init; }

    /// <summary>Ours (<c>disable_metrics</c>): no Prometheus metrics are recorded and <c>/metrics</c> is not served.</summary>
    public bool DisableMetrics { get; init; }

    /// <summary>Ours (<c>metrics_port</c>): also serve <c>/metrics</c> (only it) on this port.</summary>
    public int? MetricsPort { get; init; }

    /// <summary>Ours (<c>log_max_size_mb</c>): the log file given with <c>--log_file</c> is rotated past this size; null never.</summary>
    public double? LogMaxSizeMb { get; init; }

    /// <summary>Ours (<c>log_max_files</c>): rotated log files kept beside the live one (<c>.1</c> … <c>.N</c>); 5 by default.</summary>
    public int LogMaxFiles { get; init; } = 5;
}
