using System.Collections.Concurrent;
using System.Text;
using Switchboard.Auth;
using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;
using Switchboard.Usage;

namespace Switchboard.Telemetry;

/// <summary>
/// The gateway's Prometheus metrics under LiteLLM's names and label names (so that its Grafana boards and alerts work
/// unchanged), plus Switchboard's own under <c>switchboard_</c>. Counters and histograms are recorded on the hot path into
/// cells found once per caller, model and deployment (no allocation per call once seen); gauges (deployment state,
/// queues, cooldowns, the usage writer) are read from the router and the usage sink when scraped. Label values are
/// bounded: model names, deployment ids, key hashes and aliases, status codes, error classes, route patterns; never a
/// client address, a user agent, an end user or any key material.
/// </summary>
internal sealed class GatewayMetrics
{
    // Label sets (LiteLLM's names). "end_user", "team", "team_alias" and "user" are always empty: kept so that LiteLLM's
    // queries that group by them still work; the values would be unbounded (end_user) or do not exist here (teams).
    private static readonly string[] KeyLabels = ["end_user", "hashed_api_key", "api_key_alias", "requested_model", "team", "team_alias", "user"];
    private static readonly string[] DeploymentLabels = ["litellm_model_name", "model_id", "api_base", "api_provider"];

    private readonly Router _router;
    private readonly UsageSink? _sink;
    private readonly Func<string, double?> _spendOf;
    private readonly TimeProvider _time;
    private readonly Dictionary<Deployment, DeploymentMeter> _deployments = new(ReferenceEqualityComparer.Instance);
    // Keys of the series dictionaries are record structs, not tuples: under Native AOT a tuple of reference types hashes
    // and compares through shared generic code (EqualityComparer lookups per field, per call); a record struct's members
    // are compiled for its own fields (docs/benchmarks.md, "Native AOT against ReadyToRun, profiled").
    private readonly ConcurrentDictionary<CallerKey, CallerSeries> _callers = new();
    private readonly ConcurrentDictionary<string, (string? Alias, double MaxBudget)> _budgets = new(StringComparer.Ordinal);
    private long _inFlight;

    internal readonly MetricFamily ProxyTotal = new("litellm_proxy_total_requests_metric",
        "Total number of requests made to the proxy server - track number of client side requests", MetricKind.Counter,
        [.. KeyLabels, "status_code", "model_id", "route"]);

    internal readonly MetricFamily ProxyFailed = new("litellm_proxy_failed_requests_metric",
        "Total number of failed responses from proxy - the client did not get a success response from litellm proxy", MetricKind.Counter,
        [.. KeyLabels, "exception_status", "exception_class", "model_id", "route"]);

    internal readonly MetricFamily Requests = new("litellm_requests_metric",
        "Total number of LLM calls to litellm - track total per API Key, team, user", MetricKind.Counter, [.. KeyLabels, "model"]);

    internal readonly MetricFamily TotalLatency = new("litellm_request_total_latency_metric",
        "Total latency (seconds) for a request to LiteLLM", MetricKind.Histogram, [.. KeyLabels, "model"]);

    internal readonly MetricFamily ApiLatency = new("litellm_llm_api_latency_metric",
        "Total latency (seconds) for a models LLM API call", MetricKind.Histogram, [.. KeyLabels, "model"]);

    internal readonly MetricFamily Ttft = new("litellm_llm_api_time_to_first_token_metric",
        "Time to first token for a models LLM API call", MetricKind.Histogram, [.. KeyLabels, "model"]);

    internal readonly MetricFamily Overhead = new("litellm_overhead_latency_metric",
        "Latency overhead (seconds) added by LiteLLM processing", MetricKind.Histogram, [.. DeploymentLabels, "requested_model"]);

    internal readonly MetricFamily QueueTime = new("litellm_request_queue_time_seconds",
        "Time a request waited for a free deployment (seconds)", MetricKind.Histogram, KeyLabels);

    internal readonly MetricFamily InputTokens = new("litellm_input_tokens_metric",
        "Total number of input tokens from LLM requests", MetricKind.Counter, [.. KeyLabels, "model"]);

    internal readonly MetricFamily OutputTokens = new("litellm_output_tokens_metric",
        "Total number of output tokens from LLM requests", MetricKind.Counter, [.. KeyLabels, "model"]);

    internal readonly MetricFamily TotalTokens = new("litellm_total_tokens_metric",
        "Total number of input + output tokens from LLM requests", MetricKind.Counter, [.. KeyLabels, "model"]);

    internal readonly MetricFamily Spend = new("litellm_spend_metric",
        "Total spend on LLM requests", MetricKind.Counter, [.. KeyLabels, "model"]);

    internal readonly MetricFamily DeploymentTotal = new("litellm_deployment_total_requests",
        "LLM Deployment Analytics - Total number of LLM API calls via litellm - success + failure", MetricKind.Counter,
        [.. DeploymentLabels, "requested_model"]);

    internal readonly MetricFamily DeploymentSuccess = new("litellm_deployment_success_responses",
        "LLM Deployment Analytics - Total number of successful LLM API calls via litellm", MetricKind.Counter,
        [.. DeploymentLabels, "requested_model"]);

    internal readonly MetricFamily DeploymentFailure = new("litellm_deployment_failure_responses",
        "LLM Deployment Analytics - Total number of failed LLM API calls for a specific LLM deploymeny. exception_status is the status of the exception from the llm api",
        MetricKind.Counter, [.. DeploymentLabels, "requested_model", "exception_status", "exception_class"]);

    internal readonly MetricFamily DeploymentCooledDown = new("litellm_deployment_cooled_down",
        "LLM Deployment Analytics - Number of times a deployment has been cooled down by LiteLLM load balancing logic. exception_status is the status of the exception that caused the deployment to be cooled down",
        MetricKind.Counter, [.. DeploymentLabels, "exception_status"]);

    internal readonly MetricFamily SuccessfulFallbacks = new("litellm_deployment_successful_fallbacks",
        "LLM Deployment Analytics - Number of successful fallback requests from primary model -> fallback model", MetricKind.Counter,
        ["requested_model", "fallback_model", "hashed_api_key", "api_key_alias", "team", "team_alias", "exception_status", "exception_class"]);

    internal readonly MetricFamily FailedFallbacks = new("litellm_deployment_failed_fallbacks",
        "LLM Deployment Analytics - Number of failed fallback requests from primary model -> fallback model", MetricKind.Counter,
        ["requested_model", "fallback_model", "hashed_api_key", "api_key_alias", "team", "team_alias", "exception_status", "exception_class"]);

    internal readonly MetricFamily Cooldowns = new("switchboard_deployment_cooldowns",
        "Cooldowns started per deployment, by failure class and provider code (Z.ai business code, Anthropic error type)", MetricKind.Counter,
        [.. DeploymentLabels, "reason", "code"]);

    /// <summary>The response cache's lookups so far (hits, misses); null when caching is off.</summary>
    public Func<(long Hits, long Misses)>? CacheCounts { get; init; }

    public GatewayMetrics(Router router, UsageSink? sink, Func<string, double?> spendOf, TimeProvider time)
    {
        _router = router;
        _sink = sink;
        _spendOf = spendOf;
        _time = time;
        foreach (var group in router.Groups)
        {
            foreach (var d in group.Deployments)
            {
                _deployments[d] = new DeploymentMeter(this, d);
            }
        }
    }

    /// <summary>Calls being answered now (<c>litellm_in_flight_requests</c>).</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    public void CallStarted() => Interlocked.Increment(ref _inFlight);

    /// <summary>Records one finished client call: the proxy-level counters, latencies, tokens, spend and fallbacks.</summary>
    public void CallEnded(in CallFacts call)
    {
        Interlocked.Decrement(ref _inFlight);
        var caller = call.Caller;
        var hash = caller?.KeyHash;
        var alias = caller?.KeyAlias;
        var series = _callers.GetOrAdd(new CallerKey(hash, alias, call.RequestedModel ?? "", call.Route),
            static (k, self) => new CallerSeries(self, k.Hash, k.Alias, k.Model, k.Route), this);
        var served = call.ServedBy;
        series.Total(call.Status, served).Increment();
        if (call.Status >= 400)
        {
            series.Failed(call.Status, served).Increment();
        }

        if (caller?.MaxBudget is { } budget && hash is not null)
        {
            _budgets[hash] = (alias, budget);
        }

        if (call.FirstGroup is not null)
        {
            series.Queue.Observe(call.QueueTime.TotalSeconds);
        }

        if (served is not null && call.Status < 400)
        {
            var s = series.Served(served);
            s.Requests.Increment();
            s.TotalLatency.Observe(call.Total.TotalSeconds);
            s.ApiLatency.Observe(call.Upstream.TotalSeconds);
            if (call.TimeToFirstToken is { } ttft)
            {
                s.Ttft.Observe(ttft.TotalSeconds);
            }

            if (call.Usage is { } usage)
            {
                s.Input.Add(usage.InputTokens);
                s.Output.Add(usage.OutputTokens);
                s.Tokens.Add(usage.InputTokens + usage.OutputTokens);
            }

            s.Spend.Add(call.Cost);
            if (_deployments.TryGetValue(served, out var meter))
            {
                meter.For(call.RequestedModel ?? served.Group).Overhead.Observe(Math.Max(0, (call.Total - call.Upstream).TotalSeconds));
            }
        }

        if (call.FallbackTried && call.FirstGroup is { } first)
        {
            var fallback = call.Status < 400 && call.ServedGroup is { } g && g != first;
            var to = fallback ? call.ServedGroup! : "";
            (fallback ? SuccessfulFallbacks : FailedFallbacks).Counter(
                call.RequestedModel ?? first, to, hash ?? "", alias ?? "", "", "",
                Status(call.Status), fallback ? "" : ExceptionClassOf(call.Status)).Increment();
        }
    }

    /// <summary>Records one upstream attempt that failed (before or during its answer); notices a cooldown it started.</summary>
    public void AttemptFailed(DeploymentLease lease, string requestedModel, UpstreamFailure failure)
    {
        if (!_deployments.TryGetValue(lease.Deployment, out var meter))
        {
            return;
        }

        var series = meter.For(requestedModel);
        series.Total.Increment();
        series.Failure(failure).Increment();
        meter.NoticeCooldown(lease, failure.HttpStatus, failure.ProviderCode);
    }

    /// <summary>Records one upstream attempt that answered in full; reads the rate-limit headers it carried.</summary>
    public void AttemptServed(DeploymentLease lease, string requestedModel, UpstreamResponse response)
    {
        if (!_deployments.TryGetValue(lease.Deployment, out var meter))
        {
            return;
        }

        var series = meter.For(requestedModel);
        series.Total.Increment();
        series.Success.Increment();
        if (lease.Deployment.CooldownUntil is { } until && until > _time.GetUtcNow())
        {
            // The headers said the quota is spent: the router cooled the deployment down pre-emptively (read without the
            // group's lock here; NoticeCooldown reads it again under the lock).
            meter.NoticeCooldown(lease, 429, null);
        }

        // The remaining-quota gauges are scraped, not summed: read the headers (an allocation each) at most once a second.
        var tick = Environment.TickCount64;
        if (tick - Volatile.Read(ref meter.HeadersReadAt) < 1000)
        {
            return;
        }

        Volatile.Write(ref meter.HeadersReadAt, tick);
        if (response.Header("x-ratelimit-remaining-requests") is { } requests && long.TryParse(requests, out var r))
        {
            meter.RemainingRequests = r;
        }

        if (response.Header("x-ratelimit-remaining-tokens") is { } tokens && long.TryParse(tokens, out var t))
        {
            meter.RemainingTokens = t;
        }
    }

    /// <summary>
    /// Latency percentiles of one deployment's successful calls (seconds, from its histograms; all requested models),
    /// for the dashboard and <c>switchboard top</c>; null when it has answered nothing yet.
    /// </summary>
    public DeploymentLatency? LatencyOf(string deploymentId)
    {
        foreach (var (d, meter) in _deployments)
        {
            if (d.Id == deploymentId)
            {
                return meter.Latency();
            }
        }

        return null;
    }

    /// <summary>The whole exposition (text 0.0.4, or OpenMetrics 1.0).</summary>
    public string Scrape(bool openMetrics)
    {
        var output = new StringBuilder(16 * 1024);
        PrometheusText.Write(output, Families(), openMetrics);
        return output.ToString();
    }

    internal IEnumerable<MetricFamily> Families()
    {
        yield return ProxyTotal;
        yield return ProxyFailed;
        yield return Requests;
        yield return TotalLatency;
        yield return ApiLatency;
        yield return Ttft;
        yield return Overhead;
        yield return QueueTime;
        yield return InputTokens;
        yield return OutputTokens;
        yield return TotalTokens;
        yield return Spend;
        yield return DeploymentTotal;
        yield return DeploymentSuccess;
        yield return DeploymentFailure;
        yield return DeploymentCooledDown;
        yield return SuccessfulFallbacks;
        yield return FailedFallbacks;
        yield return Cooldowns;
        foreach (var family in Gauges())
        {
            yield return family;
        }
    }

    /// <summary>Gauges read now from the router, the usage sink and admission (built per scrape; scrapes are rare).</summary>
    private List<MetricFamily> Gauges()
    {
        var state = new MetricFamily("litellm_deployment_state", "LLM Deployment Analytics - The state of the deployment: 0 = healthy, 1 = partial outage, 2 = complete outage",
            MetricKind.Gauge, DeploymentLabels);
        var remainingRequests = new MetricFamily("litellm_remaining_requests_metric", "LLM Deployment Analytics - remaining requests for model, returned from LLM API Provider",
            MetricKind.Gauge, ["model_group", "api_provider", "api_base", "litellm_model_name", "model_id"]);
        var remainingTokens = new MetricFamily("litellm_remaining_tokens_metric", "LLM Deployment Analytics - remaining tokens for model, returned from LLM API Provider",
            MetricKind.Gauge, ["model_group", "api_provider", "api_base", "litellm_model_name", "model_id"]);
        var remainingBudget = new MetricFamily("litellm_remaining_api_key_budget_metric", "Remaining budget for api key", MetricKind.Gauge, ["hashed_api_key", "api_key_alias"]);
        var maxBudget = new MetricFamily("litellm_api_key_max_budget_metric", "Maximum budget set for api key", MetricKind.Gauge, ["hashed_api_key", "api_key_alias"]);
        var inFlight = new MetricFamily("litellm_in_flight_requests", "Number of requests currently being processed by the proxy", MetricKind.Gauge, []);
        var queue = new MetricFamily("switchboard_wait_queue_length", "Calls waiting for a free deployment, per model group", MetricKind.Gauge, ["model_group"]);
        var deploymentInFlight = new MetricFamily("switchboard_deployment_in_flight", "Calls in flight on a deployment", MetricKind.Gauge, [.. DeploymentLabels, "model_group"]);
        var cooldown = new MetricFamily("switchboard_deployment_cooldown_seconds", "Seconds left in a deployment's cooldown, with the reason (failure class) and provider code that started it",
            MetricKind.Gauge, [.. DeploymentLabels, "reason", "code"]);
        var disabled = new MetricFamily("switchboard_deployment_disabled", "1 when the deployment's key was rejected (401/403) and is out until enabled", MetricKind.Gauge, DeploymentLabels);
        var learned = new MetricFamily("switchboard_deployment_learned_requests_limit", "The upstream's requests per window as learned from its answers (adaptive_limits)",
            MetricKind.Gauge, DeploymentLabels);
        var learnedWindow = new MetricFamily("switchboard_deployment_learned_window_seconds", "The length of the learned request window", MetricKind.Gauge, DeploymentLabels);
        var backlog = new MetricFamily("switchboard_usage_writer_backlog", "Usage records queued and not yet written to the store", MetricKind.Gauge, []);
        var dropped = new MetricFamily("switchboard_usage_writer_dropped_records", "Usage records dropped because the writer's queue was full", MetricKind.Counter, []);
        var written = new MetricFamily("switchboard_usage_writer_written_records", "Usage records written to the store", MetricKind.Counter, []);
        var failedBatches = new MetricFamily("switchboard_usage_writer_failed_batches", "Usage batches the store refused (retried)", MetricKind.Counter, []);

        var now = _time.GetUtcNow();
        var snapshot = _router.Snapshot();
        foreach (var group in snapshot.Groups)
        {
            queue.Gauge(group.Name).Set(group.Queued);
            foreach (var d in group.Deployments)
            {
                var meter = _deployments.FirstOrDefault(p => p.Key.Id == d.Id && p.Key.Group == d.Group).Value;
                if (meter is null)
                {
                    continue;
                }

                var labels = meter.Labels;
                var recentFailure = d.LastErrorAt is { } at && now - at < TimeSpan.FromMinutes(1);
                state.Gauge(labels).Set(d.Disabled || d.CoolingDown ? 2 : recentFailure ? 1 : 0);
                deploymentInFlight.Gauge([.. labels, d.Group]).Set(d.InFlight);
                disabled.Gauge(labels).Set(d.Disabled ? 1 : 0);
                if (d.CoolingDown)
                {
                    var (reason, code) = meter.CooldownCause();
                    cooldown.Gauge([.. labels, reason, code]).Set(d.CooldownSecondsLeft ?? 0);
                }

                if (d.LearnedRequests is { } limit)
                {
                    learned.Gauge(labels).Set(limit);
                }

                if (d.LearnedWindowSeconds is { } window)
                {
                    learnedWindow.Gauge(labels).Set(window);
                }

                if (meter.RemainingRequests is { } rr)
                {
                    remainingRequests.Gauge(d.Group, labels[3], labels[2], labels[0], labels[1]).Set(rr);
                }

                if (meter.RemainingTokens is { } rt)
                {
                    remainingTokens.Gauge(d.Group, labels[3], labels[2], labels[0], labels[1]).Set(rt);
                }
            }
        }

        foreach (var (hash, (alias, budget)) in _budgets)
        {
            maxBudget.Gauge(hash, alias ?? "").Set(budget);
            remainingBudget.Gauge(hash, alias ?? "").Set(budget - (_spendOf(hash) ?? 0));
        }

        inFlight.Gauge().Set(InFlight);
        if (_sink is not null)
        {
            backlog.Gauge().Set(_sink.Pending);
            dropped.Counter().Add(_sink.Dropped);
            written.Counter().Add(_sink.Written);
            failedBatches.Counter().Add(_sink.FailedBatches);
        }

        List<MetricFamily> families = [state, remainingRequests, remainingTokens, remainingBudget, maxBudget, inFlight, queue, deploymentInFlight, cooldown, disabled,
            learned, learnedWindow, backlog, dropped, written, failedBatches];
        if (CacheCounts is not null)
        {
            var (hits, misses) = CacheCounts();
            var cacheHits = new MetricFamily("switchboard_cache_hits", "Calls answered from the response cache", MetricKind.Counter, []);
            var cacheMisses = new MetricFamily("switchboard_cache_misses", "Cache lookups that found no fresh answer (the call went upstream)", MetricKind.Counter, []);
            cacheHits.Counter().Add(hits);
            cacheMisses.Counter().Add(misses);
            families.Add(cacheHits);
            families.Add(cacheMisses);
        }

        return families;
    }

    internal static string Status(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>LiteLLM's (OpenAI SDK's) exception class for a status the client got.</summary>
    internal static string ExceptionClassOf(int status) => status switch
    {
        400 or 413 or 422 => "BadRequestError",
        401 => "AuthenticationError",
        403 => "PermissionDeniedError",
        404 => "NotFoundError",
        408 or 504 => "Timeout",
        429 => "RateLimitError",
        499 => "ClientClosedRequest",
        503 or 529 => "ServiceUnavailableError",
        _ => status >= 500 ? "InternalServerError" : "APIError",
    };

    /// <summary>The exception class of an upstream failure, by its class (bounded).</summary>
    internal static string ExceptionClassOf(FailureKind kind) => kind switch
    {
        FailureKind.RateLimited or FailureKind.ConcurrencyLimited or FailureKind.QuotaExhausted => "RateLimitError",
        FailureKind.Overloaded => "ServiceUnavailableError",
        FailureKind.Timeout => "Timeout",
        FailureKind.KeyDisabled => "AuthenticationError",
        FailureKind.ClientError => "BadRequestError",
        _ => "InternalServerError",
    };

    /// <summary>Label values of one caller (key hash, alias) and requested model, with the cells found for it so far.</summary>
    private sealed class CallerSeries
    {
        private readonly GatewayMetrics _owner;
        private readonly string[] _key;
        private readonly string _route;
        private readonly ConcurrentDictionary<StatusKey, CounterCell> _total = new();
        private readonly ConcurrentDictionary<StatusKey, CounterCell> _failed = new();
        private readonly ConcurrentDictionary<Deployment, ServedSeries> _served = new(ReferenceEqualityComparer.Instance);

        public CallerSeries(GatewayMetrics owner, string? hash, string? alias, string model, string route)
        {
            _owner = owner;
            _key = ["", hash ?? "", alias ?? "", model, "", "", ""];
            _route = route;
            Queue = owner.QueueTime.Histogram(_key);
        }

        public HistogramCell Queue { get; }

        public CounterCell Total(int status, Deployment? d) => _total.GetOrAdd(new StatusKey(status, d),
            static (k, self) => self._owner.ProxyTotal.Counter([.. self._key, Status(k.Status), k.Deployment?.Id ?? "", self._route]), this);

        public CounterCell Failed(int status, Deployment? d) => _failed.GetOrAdd(new StatusKey(status, d),
            static (k, self) => self._owner.ProxyFailed.Counter([.. self._key, Status(k.Status), ExceptionClassOf(k.Status), k.Deployment?.Id ?? "", self._route]), this);

        public void CopyServed(Deployment d, HistogramCell latency, HistogramCell ttft)
        {
            if (_served.TryGetValue(d, out var s))
            {
                latency.AddFrom(s.ApiLatency);
                ttft.AddFrom(s.Ttft);
            }
        }

        public ServedSeries Served(Deployment d) => _served.GetOrAdd(d, static (d, self) => new ServedSeries(self._owner, [.. self._key, d.Config.UpstreamModel]), this);
    }

    private sealed class ServedSeries(GatewayMetrics owner, string[] labels)
    {
        public CounterCell Requests { get; } = owner.Requests.Counter(labels);
        public HistogramCell TotalLatency { get; } = owner.TotalLatency.Histogram(labels);
        public HistogramCell ApiLatency { get; } = owner.ApiLatency.Histogram(labels);
        public HistogramCell Ttft { get; } = owner.Ttft.Histogram(labels);
        public CounterCell Input { get; } = owner.InputTokens.Counter(labels);
        public CounterCell Output { get; } = owner.OutputTokens.Counter(labels);
        public CounterCell Tokens { get; } = owner.TotalTokens.Counter(labels);
        public CounterCell Spend { get; } = owner.Spend.Counter(labels);
    }

    /// <summary>One deployment's label values, its series per requested model, and what its answers said about its limits.</summary>
    private sealed class DeploymentMeter
    {
        private readonly GatewayMetrics _owner;
        private readonly ConcurrentDictionary<string, DeploymentSeries> _byModel = new(StringComparer.Ordinal);
        private readonly Lock _cooldownGate = new();
        private DateTimeOffset? _lastCooldownUntil;
        private string _lastReason = "";
        private string _lastCode = "";

        public DeploymentMeter(GatewayMetrics owner, Deployment d)
        {
            _owner = owner;
            Deployment = d;
            Labels = [d.Config.UpstreamModel, d.Id, d.Config.ApiBase, d.Config.Provider];
        }

        public Deployment Deployment { get; }
        public string[] Labels { get; }
        /// <summary><see cref="Environment.TickCount64"/> when the rate-limit headers were last read (once a second at most).</summary>
        public long HeadersReadAt = long.MinValue / 2;

        public long? RemainingRequests { get; set; }
        public long? RemainingTokens { get; set; }

        public DeploymentSeries For(string requestedModel) =>
            _byModel.GetOrAdd(requestedModel, static (m, self) => new DeploymentSeries(self._owner, [.. self.Labels, m]), this);

        /// <summary>Counts a cooldown the router has just started (its end moved forward), with its class and code.</summary>
        public void NoticeCooldown(DeploymentLease lease, int httpStatus, string? code)
        {
            DateTimeOffset? until;
            FailureKind? kind;
            lock (lease.Group.Gate)
            {
                until = Deployment.CooldownUntil;
                kind = Deployment.CooldownKind;
            }

            if (until is null || until <= _owner._time.GetUtcNow())
            {
                return;
            }

            lock (_cooldownGate)
            {
                if (_lastCooldownUntil == until)
                {
                    return;
                }

                _lastCooldownUntil = until;
                _lastReason = kind?.ToString() ?? "";
                _lastCode = code ?? "";
            }

            _owner.DeploymentCooledDown.Counter([.. Labels, Status(httpStatus)]).Increment();
            _owner.Cooldowns.Counter([.. Labels, _lastReason, _lastCode]).Increment();
        }

        public (string Reason, string Code) CooldownCause()
        {
            lock (_cooldownGate)
            {
                return (Deployment.CooldownKind?.ToString() ?? _lastReason, _lastCode);
            }
        }

        public DeploymentLatency? Latency()
        {
            // Summed over requested models: every series of this deployment has the same buckets.
            var merged = new HistogramCell(HistogramCell.LatencyBuckets);
            var ttft = new HistogramCell(HistogramCell.LatencyBuckets);
            foreach (var caller in _owner._callers.Values)
            {
                caller.CopyServed(Deployment, merged, ttft);
            }

            return merged.Count == 0 ? null : new DeploymentLatency(merged.Count, merged.Quantile(0.5)!.Value, merged.Quantile(0.95)!.Value, ttft.Quantile(0.5), ttft.Quantile(0.95));
        }
    }

    private sealed class DeploymentSeries
    {
        private readonly GatewayMetrics _owner;
        private readonly string[] _labels;
        private readonly ConcurrentDictionary<FailureKey, CounterCell> _failures = new();

        public DeploymentSeries(GatewayMetrics owner, string[] labels)
        {
            _owner = owner;
            _labels = labels;
            Total = owner.DeploymentTotal.Counter(labels);
            Success = owner.DeploymentSuccess.Counter(labels);
            Overhead = owner.Overhead.Histogram(labels);
        }

        public CounterCell Total { get; }
        public CounterCell Success { get; }
        public HistogramCell Overhead { get; }

        public CounterCell Failure(UpstreamFailure failure) => _failures.GetOrAdd(new FailureKey(failure.HttpStatus, failure.Kind),
            static (k, self) => self._owner.DeploymentFailure.Counter([.. self._labels, Status(k.Status), ExceptionClassOf(k.Kind)]), this);
    }

    private readonly record struct CallerKey(string? Hash, string? Alias, string Model, string Route);

    private readonly record struct StatusKey(int Status, Deployment? Deployment);

    private readonly record struct FailureKey(int Status, FailureKind Kind);
}

/// <summary>One deployment's latency figures in seconds (histogram estimates, as Prometheus' histogram_quantile computes them).</summary>
public sealed record DeploymentLatency(long Calls, double P50Seconds, double P95Seconds, double? TtftP50Seconds, double? TtftP95Seconds);
