using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Switchboard.Observability;
using Switchboard.Routing;
using Switchboard.Telemetry;
using Switchboard.Upstream;

namespace Switchboard.Api;

/// <summary>
/// Drives one call through the router: pick a deployment, send, classify, retry on another deployment, fall back
/// to other groups, and answer in the caller's protocol (architecture decision 2). Retries happen only before the first
/// byte reaches the client.
/// </summary>
internal sealed class AttemptLoop(GatewayServices services)
{
    private const long MaxErrorBody = 1024 * 1024;
    private const long MaxAnswerBody = 256L * 1024 * 1024;

    /// <summary>Concurrency refusals per call retried without spending num_retries (each lowers a key's learned cap).</summary>
    private const int MaxFreeRetries = 8;

    private readonly RequestTimeouts _timeouts = new();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RunAsync(HttpContext context, ModelGroup firstGroup, CallState call, IProxyProtocol protocol)
    {
        var router = services.Router;
        var time = services.Time;
        // The call's time budget: a pooled source (no token source, timer or link per call; docs/benchmarks.md) that the
        // client's hang-up cancels too. Back to the pool only after a normal exit, when nothing can still hold its token.
        var timeout = _timeouts.Rent();
        var hangUp = context.RequestAborted.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), timeout);
        timeout.CancelAfter(services.Config.EffectiveRequestTimeout);
        var ct = timeout.Token;
        var reusable = false;
        try
        {
            call.Secrets = services.Secrets;
            call.MaxSseEventBytes = services.Config.General.MaxSseEventBytes;

            HashSet<string>? excluded = null; // made by the first exclusion: most calls have none
            UpstreamFailure? lastFailure = null;
            RouteDecision? lastDecision = null;
            (Deployment From, string Reason)? pendingRetry = null;
            var freeRetries = 0;
            FailureHistory? history = null; // made by the first failure: most calls have none
            var fallbacks = router.FallbacksFor(firstGroup.Name);
            try
            {
                // The first group, then its fallbacks in order (indexed: no chain list per call).
                for (var link = -1; link < fallbacks.Count; link++)
                {
                    var groupName = link < 0 ? firstGroup.Name : fallbacks[link];
                    var group = groupName == firstGroup.Name ? firstGroup : router.ResolveGroup(groupName);
                    if (group is null)
                    {
                        continue;
                    }

                    call.FallbackTried |= group != firstGroup;
                    excluded?.Clear();
                    var backoffs = 0;
                    while (true)
                    {
                        var waitStarted = time.GetTimestamp();
                        var decision = await router.AcquireAsync(group, new RouteRequest(excluded, call.SessionId, call.EstimatedInputTokens) { Stream = protocol.Stream, Admitted = freeRetries + call.Retries > 0 }, ct);
                        call.QueueTime += time.GetElapsedTime(waitStarted);
                        if (!decision.Success)
                        {
                            lastDecision = decision;
                            if (decision.Reason == NoDeploymentReason.AllTried && lastFailure is not null
                                && call.Retries < router.MaxRetriesFor(lastFailure.Kind))
                            {
                                // Every deployment was tried once: wait for the earliest rest to end if wait_for_cooldown_s
                                // covers it (or back off when one is usable now), never a burst of instant retries against
                                // the same quota, and never a long wait that can only end in the same 429.
                                if (router.NextRoundDelay(backoffs, decision.RetryAfter, lastFailure.RetryAfter) is { } delay)
                                {
                                    backoffs++;
                                    await Task.Delay(delay, time, ct);
                                    excluded?.Clear();
                                    continue;
                                }
                            }

                            break;
                        }

                        using var lease = decision.Lease!;
                        var deployment = lease.Deployment;
                        if (pendingRetry is { } retry)
                        {
                            router.LogRetry(retry.From, deployment, retry.Reason);
                            pendingRetry = null;
                        }

                        using var attemptSpan = GatewayTelemetry.AttemptStarted(deployment, call.Retries, lastFailure);
                        var attempt = await SendAsync(deployment, protocol, call, ct);
                        if (attempt.Failure is null)
                        {
                            await using var response = attempt.Response!;
                            await RelayAsync(context, lease, response, group, call, protocol, attempt.StartedTimestamp, attemptSpan, ct);
                            reusable = true;
                            return;
                        }

                        var failure = attempt.Failure;
                        lastFailure = failure;
                        (history ??= new FailureHistory()).Add(failure, services.Time.GetUtcNow());
                        call.ErrorClass = failure.ProviderCode is null ? failure.Kind.ToString() : $"{failure.Kind}:{failure.ProviderCode}";
                        router.ReportFailure(lease, failure);
                        services.Telemetry.AttemptFailed(attemptSpan, lease, call.RequestedModel, failure);
                        if (!failure.IsRetryableOnAnotherDeployment)
                        {
                            context.Response.Headers["x-litellm-model-id"] = deployment.Id;
                            context.Response.Headers["x-litellm-attempted-retries"] = call.Retries.ToString(CultureInfo.InvariantCulture);
                            await WriteUpstreamErrorAsync(context, protocol.Api, call, failure);
                            reusable = true;
                            return;
                        }

                        if (freeRetries < MaxFreeRetries && Router.IsLearningRefusal(lease, failure))
                        {
                            // A 1302 that only taught the key's learned concurrency: again at once, on a key with room or in
                            // the fair queue, without spending num_retries (docs/pool-efficiency.md). A key refused with
                            // other calls in flight stays in: it is at its cap now and serves the call when a slot frees.
                            freeRetries++;
                            if (lease.InFlightAtStart <= 1)
                            {
                                (excluded ??= new HashSet<string>(StringComparer.Ordinal)).Add(deployment.Id);
                            }

                            pendingRetry = (deployment, $"{failure.Kind} (HTTP {failure.HttpStatus}, code {failure.ProviderCode}, concurrency learned), call {call.CallId}");
                            continue;
                        }

                        (excluded ??= new HashSet<string>(StringComparer.Ordinal)).Add(deployment.Id);
                        if (router.SpentForWindow(group, failure, excluded) is { } spent)
                        {
                            // Every key the call could use is spent for its window: a 429 now with when the pool is back,
                            // not a backoff that can only meet the same refusals (docs/pool-efficiency.md).
                            lastDecision = spent;
                            break;
                        }

                        if (call.Retries >= router.MaxRetriesFor(failure.Kind))
                        {
                            break;
                        }

                        call.Retries++;
                        pendingRetry = (deployment, $"{failure.Kind} (HTTP {failure.HttpStatus}{(failure.ProviderCode is null ? "" : ", code " + failure.ProviderCode)}), call {call.CallId}, retry {call.Retries}");
                    }
                }
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away: the upstream call was cancelled with it and its slot freed by the lease.
                return;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                var message = $"Request timed out after {services.Config.EffectiveRequestTimeout.TotalSeconds:0.#} s (request_timeout) for model group '{firstGroup.Name}'.";
                call.ErrorClass = "request_timeout";
                if (context.Response.HasStarted)
                {
                    // A stream cut by the call's own time budget still ends with the protocol's error signal, never a
                    // silent stop the client could take for a complete answer (architecture decision 2).
                    await protocol.WriteMidStreamErrorAsync(context, message, CancellationToken.None);
                    return;
                }

                await ApiErrors.WriteAsync(context, protocol.Api, 504, message);
                return;
            }

            if (pendingRetry is { } unserved)
            {
                router.LogRetry(unserved.From, null, unserved.Reason);
            }

            await WriteExhaustedAsync(context, protocol.Api, firstGroup, call, lastFailure, lastDecision, history ?? new FailureHistory(), services.Secrets);
            reusable = true;
        }
        finally
        {
            hangUp.Dispose();
            if (reusable)
            {
                _timeouts.Return(timeout);
            }
            else
            {
                timeout.Dispose();
            }
        }
    }

    // Pooled state machines (PoolingAsyncValueTaskMethodBuilder): one box less per attempt each (docs/benchmarks.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<AttemptResult> SendAsync(Deployment deployment, IProxyProtocol protocol, CallState call, CancellationToken ct)
    {
        var config = deployment.Config;
        var request = protocol.BuildRequest(deployment);
        var adapter = services.AdapterFor(config);
        var started = services.Time.GetTimestamp();
        var headerTimeout = protocol.Stream ? config.StreamTimeout ?? services.Config.Router.StreamTimeout ?? config.Timeout : config.Timeout;
        using var attemptCts = headerTimeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(ct);
        attemptCts?.CancelAfter(headerTimeout!.Value);
        UpstreamResponse? response = null;
        try
        {
            // A non-stream attempt's timeout bounds its body too: a body that stalls after the headers is this
            // deployment's timeout, retried elsewhere, not a call held until request_timeout (architecture decision 2).
            var attemptToken = attemptCts?.Token ?? ct;
            response = await adapter.SendAsync(config, request, attemptToken);
            if (response.IsSuccess)
            {
                // Checked before anything reaches the client, so that a lying upstream is retried elsewhere (architecture decision 10).
                var problem = protocol.Stream
                    ? AnswerCheck.CheckStream(response.ContentType)
                    : AnswerCheck.Check((await response.BufferAsync(MaxAnswerBody, attemptToken)).Span, response.ContentType, AnswerCheck.ShapeOf(request.Path));
                if (problem is null)
                {
                    if (protocol.Stream)
                    {
                        response.WatchIdle(config.StreamIdleTimeout ?? services.Config.Router.StreamIdleTimeout, services.Time);
                    }

                    return new AttemptResult(response, null, started);
                }

                Log.UntrustedAnswer(services.Logger, call.CallId, deployment.Id, problem);
                var untrusted = new UpstreamFailure(FailureKind.Retryable, response.StatusCode, null, problem, null, null);
                if (ReferenceEquals(problem, AnswerCheck.ErrorBody))
                {
                    // An error object under a 2xx (Z.ai sends its business codes so too): classified as the error it
                    // states, so that a spent quota or a refused key is one; what would be the request's fault under a
                    // 4xx stays retryable here, since a 2xx cannot be relayed as the client's error.
                    var stated = FailureClassifier.Classify(config.Provider, response.StatusCode, response.Header, response.Buffered.Span,
                        services.Time.GetUtcNow(), services.Secrets);
                    untrusted = stated.Kind == FailureKind.ClientError ? stated with { Kind = FailureKind.Retryable } : stated;
                }

                await response.DisposeAsync();
                return new AttemptResult(null, untrusted, started);
            }

            var body = await response.ReadAllAsync(MaxErrorBody, attemptToken);
            var failure = FailureClassifier.Classify(config.Provider, response.StatusCode, response.Header, body, services.Time.GetUtcNow(), services.Secrets);
            await response.DisposeAsync();
            return new AttemptResult(null, failure, started);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            if (response is not null)
            {
                await response.DisposeAsync();
            }

            return new AttemptResult(null, FailureClassifier.FromException(new TimeoutException("upstream timed out"), timedOut: true), started);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException)
        {
            if (response is not null)
            {
                await response.DisposeAsync();
            }

            return new AttemptResult(null, FailureClassifier.FromException(ex, timedOut: false, services.Secrets), started);
        }
        finally
        {
            call.UpstreamTime += services.Time.GetElapsedTime(started);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RelayAsync(HttpContext context, DeploymentLease lease, UpstreamResponse response, ModelGroup group, CallState call, IProxyProtocol protocol, long sendStarted,
        System.Diagnostics.Activity? attemptSpan, CancellationToken ct)
    {
        var deployment = lease.Deployment;
        call.ServedBy = deployment;
        call.ServedGroup = group.Name;
        var headers = context.Response.Headers;
        headers["x-litellm-model-id"] = deployment.Id;
        headers["x-litellm-model-group"] = group.Name;
        headers["x-litellm-attempted-retries"] = call.Retries.ToString(CultureInfo.InvariantCulture);
        RelayResult result;
        try
        {
            result = await protocol.RelayAsync(context, deployment, response, call, ct);
        }
        catch (Exception ex) when (ex is ClientGoneException || (context.RequestAborted.IsCancellationRequested && ex is IOException or OperationCanceledException or HttpRequestException or InvalidDataException))
        {
            // The client hung up (a failed write, or the read cancelled with it): never the deployment's fault (architecture decision 11).
            Log.ClientGone(services.Logger, call.CallId, deployment.Id, ex.GetType().Name);
            call.ErrorClass = "client_closed";
            return;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidDataException
            || (ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested && !ct.IsCancellationRequested))
        {
            var stalled = ex is StreamIdleTimeoutException;
            var failure = FailureClassifier.FromException(ex, timedOut: stalled, services.Secrets);
            services.Router.ReportFailure(lease, failure);
            services.Telemetry.AttemptFailed(attemptSpan, lease, call.RequestedModel, failure);
            Log.MidStreamFailure(services.Logger, call.CallId, deployment.Id, ex.GetType().Name);
            call.ErrorClass = stalled ? "stream_idle_timeout" : "stream_error";
            if (context.Response.HasStarted)
            {
                var message = stalled
                    ? $"The upstream stream stalled ({ex.Message}); the answer is incomplete."
                    : "The upstream stream broke before it finished; the answer is incomplete.";
                await protocol.WriteMidStreamErrorAsync(context, message, CancellationToken.None);
            }
            else
            {
                await ApiErrors.WriteAsync(context, protocol.Api, 502, "The upstream answer could not be read.");
            }

            return;
        }

        if (result.ClientGone is { } gone)
        {
            // The same hang-up as the catch above, returned by the relay instead of thrown (docs/benchmarks.md, teardown).
            Log.ClientGone(services.Logger, call.CallId, deployment.Id, gone);
            call.ErrorClass = "client_closed";
            return;
        }

        var usage = result.Usage;
        call.Usage ??= usage;
        call.TimeToFirstToken = result.TimeToFirstToken;
        if (!result.Completed)
        {
            // The upstream ended its stream with an error event: its failure, counted like a broken stream.
            call.ErrorClass = "stream_error";
            var broken = new UpstreamFailure(FailureKind.Retryable, response.StatusCode, null, "the upstream ended its stream with an error event", null, null);
            services.Router.ReportFailure(lease, broken);
            services.Telemetry.AttemptFailed(attemptSpan, lease, call.RequestedModel, broken);
            return;
        }

        // The response as the header source (IHeaderSource): no delegate per call.
        services.Router.ReportSuccess(lease, new AttemptOutcome(
            services.Time.GetElapsedTime(sendStarted),
            result.TimeToFirstToken,
            usage?.InputTokens ?? 0,
            usage?.OutputTokens ?? 0,
            RateLimitHeaders.Read(response, services.Time.GetUtcNow()),
            RateLimitHeaders.ReadRequestWindow(response, services.Time.GetUtcNow())));
        services.Telemetry.AttemptServed(attemptSpan, lease, call.RequestedModel, response);
    }

    private async Task WriteUpstreamErrorAsync(HttpContext context, ClientApi api, CallState call, UpstreamFailure failure)
    {
        var message = services.Secrets.Redact(failure.Message);
        var status = failure.HttpStatus is >= 400 and < 600 ? failure.HttpStatus : 502;
        Log.UpstreamRejected(services.Logger, call.CallId, status, failure.Kind.ToString());
        await ApiErrors.WriteAsync(context, api, status, message, failure.ProviderCode);
    }

    // Not async: each branch returns the writer's task, so the refusal path has no state machine of its own (whose
    // builder's Start<> the ReadyToRun image does not hold: JIT-compiled on a fresh process's first 429, issue 12).
    internal static Task WriteExhaustedAsync(HttpContext context, ClientApi api, ModelGroup group, CallState call, UpstreamFailure? failure,
        RouteDecision? decision, FailureHistory history, SecretRedactor secrets)
    {
        context.Response.Headers["x-litellm-attempted-retries"] = call.Retries.ToString(CultureInfo.InvariantCulture);

        // The router's view of the group is the latest; when the call stopped on its retry budget instead, what its
        // own attempts met says the same thing (every key overloaded, or out for hours) for this very first call.
        if (decision is null && history.AllOverloaded)
        {
            decision = new RouteDecision { AllOverloaded = true, RetryAfter = failure?.RetryAfter, Message = secrets.Redact(failure!.Message) };
        }
        else if (decision is null && history.AllOutForLong)
        {
            decision = new RouteDecision
            {
                LongOutage = true,
                RetryAfter = history.EarliestRecoveryIn,
                Message = secrets.Redact(failure!.Message),
            };
        }

        if (decision is { AllOverloaded: true })
        {
            return ApiErrors.WriteAsync(context, api, api == ClientApi.Anthropic ? 529 : 503,
                $"Every deployment of model group '{group.Name}' reports the provider overloaded. {decision.Message}".TrimEnd(),
                "overloaded", retryAfter: decision.RetryAfter);
        }

        if (decision is { LongOutage: true })
        {
            return ApiErrors.WriteAsync(context, api, 429,
                $"No deployment of model group '{group.Name}' can serve for a long time: {decision.Message}",
                "quota_exhausted", retryAfter: decision.RetryAfter, shouldRetry: false);
        }

        // Every deployment tried and the last one broke (5xx, timeout, an answer that was not one): that is a bad gateway,
        // not a rate limit the caller should wait out.
        var brokeLast = failure?.Kind is FailureKind.Retryable or FailureKind.Timeout;
        if (decision is { Reason: NoDeploymentReason.AllCoolingDown or NoDeploymentReason.QueueFull or NoDeploymentReason.QueueTimeout }
            || decision is { Reason: NoDeploymentReason.AllTried } && !brokeLast)
        {
            var wait = decision.RetryAfter ?? failure?.RetryAfter ?? TimeSpan.FromSeconds(1);
            if (wait > TimeSpan.FromSeconds(60))
            {
                wait = TimeSpan.FromSeconds(60);
            }

            var why = failure is null ? string.Empty : $" Last upstream error: {secrets.Redact(failure.Message)}";
            return ApiErrors.WriteAsync(context, api, 429,
                $"All deployments of model group '{group.Name}' are rate-limited or busy; retry after {Math.Ceiling(wait.TotalSeconds)} s.{why}",
                "rate_limited", retryAfter: wait);
        }

        if (decision is { Reason: NoDeploymentReason.AllDisabled })
        {
            return ApiErrors.WriteAsync(context, api, 503,
                $"Every deployment of model group '{group.Name}' is disabled (rejected keys). {decision.Message}", "no_deployment", shouldRetry: false);
        }

        if (failure is not null)
        {
            var status = failure.Kind is FailureKind.RateLimited or FailureKind.ConcurrencyLimited or FailureKind.QuotaExhausted ? 429
                : failure.Kind == FailureKind.Timeout ? 504
                : failure.HttpStatus is >= 500 and < 600 ? failure.HttpStatus : 502;
            return ApiErrors.WriteAsync(context, api, status,
                $"Model group '{group.Name}' failed after {call.Retries + 1} attempt(s): {secrets.Redact(failure.Message)}",
                failure.ProviderCode, retryAfter: status == 429 ? failure.RetryAfter ?? TimeSpan.FromSeconds(1) : null);
        }

        return ApiErrors.WriteAsync(context, api, 503, $"Model group '{group.Name}' has no deployment available. {decision?.Message}".TrimEnd(), "no_deployment");
    }

    /// <summary>What the attempts of one call met, to answer like the router will for the next call.</summary>
    internal sealed class FailureHistory
    {
        private int _count;
        private int _overloaded;
        private int _outForLong;

        public TimeSpan? EarliestRecoveryIn { get; private set; }

        public bool AllOverloaded => _count > 0 && _overloaded == _count;

        public bool AllOutForLong => _count > 0 && _outForLong == _count;

        public void Add(UpstreamFailure failure, DateTimeOffset now)
        {
            _count++;
            if (failure.Kind == FailureKind.Overloaded)
            {
                _overloaded++;
            }

            if (failure.Kind == FailureKind.KeyDisabled
                || (failure.Kind == FailureKind.QuotaExhausted && failure.CooldownUntil is { } until && until - now > TimeSpan.FromSeconds(60)))
            {
                _outForLong++;
                if (failure.CooldownUntil is { } recovery && (EarliestRecoveryIn is null || recovery - now < EarliestRecoveryIn))
                {
                    EarliestRecoveryIn = recovery - now;
                }
            }
        }
    }

    private readonly record struct AttemptResult(UpstreamResponse? Response, UpstreamFailure? Failure, long StartedTimestamp);
}
