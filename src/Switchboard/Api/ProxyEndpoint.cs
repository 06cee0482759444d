using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Switchboard.Protocols;
using Switchboard.Translation;

namespace Switchboard.Api;

/// <summary>
/// The shared front half of every proxied call, whatever its protocol: read the body within the size limit, read the
/// routing fields, resolve the model group, then hand over to the attempt loop. Bad input gets the caller's error shape.
/// </summary>
internal sealed class ProxyEndpoint(GatewayServices services)
{
    private readonly AttemptLoop _loop = new(services);

    /// <param name="pathModel">The model group when the API names it in the path (Gemini's <c>models/{model}:…</c>), not in the body.</param>
    public async Task HandleAsync(HttpContext context, ClientApi api, Func<RequestBody, RoutingFields, IProxyProtocol> protocolFor, string? pathModel = null)
    {
        var time = services.Time;
        var started = time.GetTimestamp();
        var callId = CallIds.Assign(context);
        CallState? call = null;
        string? model = null;
        var stream = false;
        Admission.AdmissionLease? admitted = null;
        Auth.Caller? caller = null;
        string? firstGroup = null;
        services.Calls.Enter();
        var span = services.Telemetry.CallStarted(context.Request);
        try
        {
            var auth = await services.Auth.AuthenticateAsync(context.Request, context.RequestAborted);
            if (!auth.Succeeded)
            {
                await ApiErrors.WriteAuthFailureAsync(context, api, auth);
                return;
            }

            caller = auth.Caller!;
            using var body = await RequestBody.ReadAsync(context.Request, services.Config.General.MaxRequestBodyBytes, context.RequestAborted);
            if (body is null)
            {
                await ApiErrors.WriteAsync(context, api, 413,
                    $"Request body is larger than the limit of {services.Config.General.MaxRequestBodyBytes} bytes (general_settings.max_request_size_mb).");
                return;
            }

            // The skims, checks and translation ahead grow with the body: a large one is worked on a pool thread, never on
            // a socket engine's (architecture decision 16).
            await Hosting.ThreadPoolHop.When(body.Length > InlineBodyBytes);
            RoutingFields fields;
            try
            {
                fields = RoutingFields.Parse(body.Span);
            }
            catch (JsonException ex)
            {
                await ApiErrors.WriteAsync(context, api, 400, "Malformed JSON in the request body: " + ClientText.Quote(ex.Message), "invalid_json");
                return;
            }

            if ((pathModel is null ? RequestChecks.CheckModel(fields) : RequestChecks.CheckModelName(pathModel)) is { } problem)
            {
                await ApiErrors.WriteAsync(context, api, 400, problem.Message, problem.Code, problem.Param);
                return;
            }

            model = pathModel ?? fields.Model!;
            stream = fields.Stream;
            var group = await ResolveGroupAsync(context, services, api, model, caller);
            firstGroup = group?.Name;
            if (group is null)
            {
                return;
            }

            if (RequestChecks.CheckBody(fields, KindOf(context, api)) is { } bodyProblem)
            {
                await ApiErrors.WriteAsync(context, api, 400, bodyProblem.Message, bodyProblem.Code, bodyProblem.Param);
                return;
            }

            // On every answer, errors included; a fallback that serves the call overwrites it with its own group.
            context.Response.Headers["x-litellm-model-group"] = group.Name;
            var admission = await services.Admission.AdmitAsync(caller, group.Name, context.RequestAborted);
            if (!admission.Allowed)
            {
                await ApiErrors.WriteAsync(context, api, admission.StatusCode, admission.Message, admission.ErrorCode, retryAfter: admission.RetryAfter);
                return;
            }

            admitted = admission.Lease;
            var protocol = protocolFor(body, fields);
            stream = protocol.Stream;
            string? translatedSession = null;
            if (protocol is PivotCall pivot)
            {
                try
                {
                    pivot.Validate(group.Deployments[0].Config);
                    translatedSession = (pivot as ResponsesCall)?.SessionId;
                }
                catch (TranslationException ex)
                {
                    await ApiErrors.WriteAsync(context, api, 400, ex.Message);
                    return;
                }
            }
            else if (protocol is AnthropicMessages messages)
            {
                try
                {
                    translatedSession = messages.Validate(group);
                }
                catch (TranslationException ex)
                {
                    await ApiErrors.WriteAsync(context, api, 400, ex.Message);
                    return;
                }
            }

            // From the pool, back at the end of the finally below (CallState's ownership rule).
            call = CallState.Rent(callId, model, started, SessionOf(context, fields, translatedSession), caller,
                // Cheap on purpose (no tokenizer on the hot path): message_start's input figure until the real usage arrives.
                estimatedInputTokens: body.Length / 4,
                keySpendBefore: caller.KeyHash is { } hash && caller.Kind == Auth.CallerKind.VirtualKey ? services.Admission.GetSpend(hash) ?? 0 : null);
            var cache = await CacheStep.BeginAsync(services, context, api, group.Name, body, stream, call);
            if (cache.Served)
            {
                return;
            }

            try
            {
                await _loop.RunAsync(context, group, call, protocol);
                await cache.StoreAsync(context, call);
            }
            finally
            {
                // Every exit (answered, cancelled, timed out, broken): while the body is still here to count.
                if (NeedsSettling(call))
                {
                    await TokenizerHop(body.Length);
                    Settle(call, body, api);
                }

                protocol.Return(); // pooled (OpenAiCall): nothing uses it after the attempt loop
            }
        }
        catch (TranslationException ex)
        {
            await ApiErrors.WriteAsync(context, api, 400, ex.Message);
        }
        finally
        {
            var total = time.GetElapsedTime(started);
            var upstream = call?.UpstreamTime ?? TimeSpan.Zero;
            Log.Request(services.RequestLog, services.Logger, new Observability.RequestLine(context.Request.Method, context.Request.Path, context.Response.StatusCode, model, call?.ServedGroup,
                call is { CacheHit: true } ? Cache.ResponseCache.DeploymentId : call?.ServedBy?.Id, call?.Retries ?? 0, stream, total.TotalMilliseconds, Math.Max(0, (total - upstream).TotalMilliseconds), callId));
            if (call is not null)
            {
                Record(context, api, call, stream, total, admitted);
            }

            services.Telemetry.CallEnded(span, new Telemetry.CallFacts
            {
                Route = (context.GetEndpoint() as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText ?? "",
                Status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode,
                Caller = caller,
                RequestedModel = model,
                FirstGroup = firstGroup,
                ServedBy = call?.ServedBy,
                ServedGroup = call?.ServedGroup,
                FallbackTried = call?.FallbackTried ?? false,
                ErrorClass = call?.ErrorClass,
                Retries = call?.Retries ?? 0,
                Stream = stream,
                Total = total,
                Upstream = upstream,
                QueueTime = call?.QueueTime ?? TimeSpan.Zero,
                TimeToFirstToken = call?.TimeToFirstToken,
                Usage = call?.Usage,
                Cost = call?.Cost ?? 0,
                CallId = callId,
            });

            admitted?.Dispose();
            call?.Return(); // the request line, usage record and metrics above hold copies: nothing refers to it now
            services.Calls.Exit();
        }
    }

    /// <summary>
    /// The model group <paramref name="model"/> names (a group, a wildcard or an alias), or null after answering that it
    /// is unknown: 404 on the Anthropic and Gemini paths, as their APIs answer, 400 on OpenAI's. The message names only
    /// the models the caller may use. Shared with the endpoints that answer locally (count_tokens).
    /// </summary>
    internal static async ValueTask<Routing.ModelGroup?> ResolveGroupAsync(HttpContext context, GatewayServices services, ClientApi api, string model, Auth.Caller caller)
    {
        if (services.Router.ResolveGroup(model) is { } group)
        {
            return group;
        }

        await ApiErrors.WriteAsync(context, api, api is ClientApi.Anthropic or ClientApi.Gemini ? 404 : 400,
            $"Unknown model '{ClientText.Quote(model)}'. {ModelNames.Known(services.Config, caller.AllowedModels)}", "model_not_found", "model");
        return null;
    }

    /// <summary>
    /// True when the bill of what a served call delivered is still to settle (<see cref="Settle"/>; architecture decision
    /// 5): its answer did not carry the whole usage (a stream the client cancelled, that timed out or broke before the
    /// upstream's usage, or an upstream that reported none). The upstream's figures where it gave them (Anthropic's input
    /// comes first, in message_start), else an estimate with the tokenizer, marked as estimated. A call that no deployment
    /// answered delivered nothing and costs nothing.
    /// </summary>
    /// <remarks>
    /// The estimate runs the tokenizer over the whole request (its time grows with the body, to seconds at 4 MiB). After
    /// an upstream read this code may run on a socket engine's thread (inline completions, architecture decision 16),
    /// which every other connection of that engine waits on: the caller counts a large body on a pool thread
    /// (<see cref="TokenizerHop"/>).
    /// </remarks>
    private static bool NeedsSettling(CallState call) =>
        call.ServedBy is not null && !(call.Usage is { Estimated: false } && !call.DeliveredComplete);

    /// <summary>
    /// Request bodies above this many bytes are read, checked and translated on a pool thread (architecture decision 16):
    /// beyond it the work before the upstream call costs more than the hop (tens of microseconds on an idle pool) and
    /// grows with the body, to tens of milliseconds at the size limit, which every connection of a socket engine would wait.
    /// </summary>
    internal const int InlineBodyBytes = 16 * 1024;

    /// <summary>Request bodies above this many bytes are counted by the tokenizer on a pool thread (architecture decision 16).</summary>
    internal const int TokenizerOffloadBytes = 8 * 1024;

    /// <summary>
    /// Awaited before the tokenizer counts a body of <paramref name="length"/> bytes (a cut call's input, count_tokens):
    /// a large one moves to a pool thread unless already there, never a socket engine's thread (architecture decision 16).
    /// </summary>
    internal static Hosting.ThreadPoolHop TokenizerHop(int length) => Hosting.ThreadPoolHop.When(length > TokenizerOffloadBytes);

    // Apart, so that the closure is allocated only for the calls that settle (C# allocates it where its scope starts).
    private static void Settle(CallState call, RequestBody body, ClientApi api) =>
        // A stream's usage as it passed (cache writes included, which a translator's summary may leave out), else the estimate.
        call.Usage = call.Delivered.Settle(() => CountInput(body, api));

    /// <summary>The request's input tokens by the project's tokenizer; beyond 4 MiB (seconds of tokenizer time) at 4 bytes per token.</summary>
    private static int CountInput(RequestBody body, ClientApi api)
    {
        if (body.Length > 4 * 1024 * 1024)
        {
            return body.Length / 4;
        }

        try
        {
            return api switch
            {
                ClientApi.Anthropic => RequestTokens.CountAnthropicRequest(body.Span),
                ClientApi.Responses => Translation.Responses.ResponsesRequestTranslator.CountInputTokens(body.Span),
                ClientApi.Gemini => Translation.Gemini.GeminiTokens.CountRequest(body.Span),
                _ => RequestTokens.CountOpenAiRequest(body.Span),
            };
        }
        catch (TranslationException)
        {
            return body.Length / 4;
        }
    }

    /// <summary>One usage record per call that reached routing, failures included; queued, never awaited (architecture decision 5).</summary>
    private void Record(HttpContext context, ClientApi api, CallState call, bool stream, TimeSpan total, Admission.AdmissionLease? admitted)
    {
        var usage = call.Usage;
        var cost = call.Cost;
        if (admitted is not null)
        {
            services.Admission.Complete(admitted, usage is { } u ? u.InputTokens + u.OutputTokens : 0, cost);
        }

        if (services.Config.General.DisableSpendLogs)
        {
            return;
        }

        // A failed write to the client (client_closed) can come before the server has signalled RequestAborted: it is the
        // same hang-up, billed the same way whichever was seen first.
        var aborted = context.RequestAborted.IsCancellationRequested || call.ErrorClass == "client_closed";
        var status = aborted && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
        services.UsageSink.TryEnqueue(new Usage.PendingUsage
        {
            Time = services.Time.GetUtcNow(),
            RequestId = call.CallId,
            KeyHash = call.Caller.Kind == Auth.CallerKind.VirtualKey ? call.Caller.KeyHash : null,
            KeyAlias = call.Caller.KeyAlias,
            ModelGroup = call.ServedGroup ?? call.RequestedModel,
            DeploymentId = call.CacheHit ? Cache.ResponseCache.DeploymentId : call.ServedBy?.Id,
            UpstreamModel = call.ServedBy?.Config.UpstreamModel,
            HttpStatus = status,
            ErrorClass = status is >= 200 and < 300 && call.ErrorClass is not ("stream_error" or "stream_idle_timeout" or "request_timeout")
                ? (aborted && call.ServedBy is not null ? "client_cancelled" : null)
                : call.ErrorClass ?? "http_" + status,
            Retries = call.Retries,
            PromptTokens = usage?.InputTokens ?? 0,
            CompletionTokens = usage?.OutputTokens ?? 0,
            CachedTokens = usage?.CachedInputTokens ?? 0,
            CacheCreationTokens = usage?.CacheCreationInputTokens ?? 0,
            TokensEstimated = usage?.Estimated ?? false,
            Cost = cost,
            LatencyMs = total.TotalMilliseconds,
            TtftMs = call.TimeToFirstToken?.TotalMilliseconds,
            Stream = stream,
            CacheHit = call.CacheHit,
            Api = api switch
            {
                ClientApi.Anthropic => "anthropic",
                ClientApi.Responses => "responses",
                ClientApi.Gemini => "gemini",
                _ => "openai",
            },
        });
    }

    private static RequestKind KindOf(HttpContext context, ClientApi api) =>
        api == ClientApi.Anthropic ? RequestKind.Anthropic
        : context.Request.Path.Value?.EndsWith("/chat/completions", StringComparison.Ordinal) == true ? RequestKind.OpenAiChat
        : RequestKind.OpenAiOther;

    /// <summary>The session identity for affinity: Claude Code's session header, ours, else the body's user field.</summary>
    private static string? SessionOf(HttpContext context, RoutingFields fields, string? translatedSession)
    {
        var headers = context.Request.Headers;
        if (headers["x-session-id"].ToString() is { Length: > 0 } session)
        {
            return session;
        }

        if (headers["x-claude-code-session-id"].ToString() is { Length: > 0 } claude)
        {
            return claude;
        }

        return translatedSession ?? fields.User;
    }
}
