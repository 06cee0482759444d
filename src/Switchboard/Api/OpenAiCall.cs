using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Switchboard.Config;
using Switchboard.Protocols;
using Switchboard.Protocols.OpenAi;
using Switchboard.Routing;
using Switchboard.Translation;
using Switchboard.Upstream;

namespace Switchboard.Api;

/// <summary>
/// An OpenAI-format call. To OpenAI-compatible upstreams the body goes on byte for byte with only the model swapped
/// (architecture decision 3) and the answer is relayed as is, streams event by event; to <c>anthropic/</c> upstreams chat
/// completions are translated to the Messages API and back.
/// </summary>
/// <remarks>
/// One per call, from a small pool (<see cref="Rent"/>); the proxy endpoint gives it back (<see cref="Return"/>) when the
/// attempt loop is over, relay and mid-stream error included. <see cref="Return"/> clears every field (the body, a
/// rewritten or translated request, a stream translator), so a reused object carries nothing of the call before it.
/// </remarks>
internal sealed class OpenAiCall : IProxyProtocol
{
    // One free object per thread (as CallState's pool): a miss allocates, a surplus goes to the collector.
    [ThreadStatic]
    private static OpenAiCall? t_free;

    private RequestBody _body;
    private RoutingFields _fields;
    private string _upstreamPath;
    private TimeProvider _time;
    private bool _rented;
    private string? _builtFor;
    private byte[]? _built;
    private TranslatedRequest? _translated;
    private string? _translatedFor;
    private AnthropicToOpenAiStreamTranslator? _streamTranslator;

    public OpenAiCall(RequestBody body, RoutingFields fields, string upstreamPath, TimeProvider time)
    {
        _body = body;
        _fields = fields;
        _upstreamPath = upstreamPath;
        _time = time;
    }

    /// <summary>Gets the translation's notes (what it left out) at debug level.</summary>
    public ILogger? Logger { get; private set; }

    /// <summary>A cleared object for a new call, from this thread's free one when there is one.</summary>
    public static OpenAiCall Rent(RequestBody body, RoutingFields fields, string upstreamPath, TimeProvider time, ILogger? logger)
    {
        var call = t_free;
        t_free = null;
        if (call is null)
        {
            call = new OpenAiCall(body, fields, upstreamPath, time);
        }
        else
        {
            call._body = body;
            call._fields = fields;
            call._upstreamPath = upstreamPath;
            call._time = time;
        }

        call.Logger = logger;
        call._rented = true;
        return call;
    }

    /// <summary>
    /// Clears the object and keeps it for the next <see cref="Rent"/> on this thread. Only once per rental, when the call's
    /// attempts are over and nothing holds it; an object made with <c>new</c> is left alone.
    /// </summary>
    public void Return()
    {
        if (!_rented)
        {
            return;
        }

        _rented = false;
        _body = null!; // the call's body goes back to the pool with its request: never read after Return
        _fields = default;
        _upstreamPath = "";
        _time = TimeProvider.System;
        Logger = null;
        _builtFor = null;
        _built = null;
        _translated = null;
        _translatedFor = null;
        _streamTranslator = null;
        t_free = this;
    }

    public ClientApi Api => ClientApi.OpenAi;

    /// <summary>Embeddings have no stream: a <c>stream: true</c> there is ignored, not relayed as a stream that never ends well.</summary>
    public bool Stream => _fields.Stream && _upstreamPath != "/embeddings";

    public UpstreamRequest BuildRequest(Deployment deployment)
    {
        var config = deployment.Config;
        if (Providers.SpeaksAnthropic(config.Provider))
        {
            if (_upstreamPath != "/chat/completions")
            {
                throw new TranslationException($"{_upstreamPath} is not available on anthropic/ deployments (model group '{deployment.Group}'); use /v1/chat/completions.");
            }

            if (_translated is null || _translatedFor != config.UpstreamModel)
            {
                _translated = OpenAiRequestTranslator.ToAnthropic(_body.Span, new OpenAiToAnthropicOptions
                {
                    UpstreamModel = config.UpstreamModel,
                    DefaultMaxTokens = config.ModelInfo.MaxOutputTokens ?? 4096,
                    Logger = Logger,
                });
                _translatedFor = config.UpstreamModel;
            }

            return new UpstreamRequest("/v1/messages", _translated.Body, Stream);
        }

        var addStreamUsage = _upstreamPath is "/chat/completions" or "/completions";
        if (_fields.KeepsBody(_body.Span, config.UpstreamModel, addStreamUsage))
        {
            return new UpstreamRequest(_upstreamPath, _body.Memory, Stream);
        }

        // Retries usually go to deployments of the same upstream model: build once per model name.
        if (_built is null || !string.Equals(_builtFor, config.UpstreamModel, StringComparison.Ordinal))
        {
            _built = _fields.Rewrite(_body.Span, config.UpstreamModel, addStreamUsage);
            _builtFor = config.UpstreamModel;
        }

        return new UpstreamRequest(_upstreamPath, _built, Stream);
    }

    // A ValueTask: a non-stream answer relays synchronously when the client's socket takes it, with no Task per call.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RelayResult> RelayAsync(HttpContext context, Deployment deployment, UpstreamResponse response, CallState call, CancellationToken ct)
    {
        var http = context.Response;
        var translated = Providers.SpeaksAnthropic(deployment.Config.Provider);
        if (Stream)
        {
            if (translated)
            {
                await Answer.StartEventStreamAsync(http, call, _time, ct);
                return await TranslateStreamAsync(response.Body, http, call, ct);
            }

            // The headers leave with the first event when the upstream sent it with its own headers (SseRelay flushes them
            // first otherwise, before it waits).
            await Answer.BeginEventStreamAsync(http, call, _time, ct);
            return await RelayOpenAiStreamAsync(deployment, response, http, call, ct);
        }

        var readStarted = _time.GetTimestamp();
        // The checked answer in the response's pooled buffer (read once, by the attempt loop's check): relayed from there,
        // no copy. It is valid until the response is disposed, after this relay.
        var bytes = await response.BufferAsync(256L * 1024 * 1024, ct);
        call.UpstreamTime += _time.GetElapsedTime(readStarted);
        TokenUsage? usage;
        if (translated)
        {
            bytes = AnthropicResponseTranslator.ToOpenAi(bytes.Span, _fields.Model!, _time.GetUtcNow().ToUnixTimeSeconds(), out var u, _translated?.JsonToolName);
            usage = u;
        }
        else
        {
            usage = TokenUsage.TryReadOpenAi(bytes.Span, out var u) && u.InputTokens + u.OutputTokens > 0 ? u : null;
        }

        return await Answer.WriteJsonAsync(http, bytes.Span, usage, call, _time, ct);
    }

    // Apart, so that the cost closure is allocated only for streams (C# allocates it where its captured scope starts).
    private Task<RelayResult> RelayOpenAiStreamAsync(Deployment deployment, UpstreamResponse response, HttpResponse http, CallState call, CancellationToken ct) =>
        SseRelay.RelayOpenAiAsync(response.Body, http, dropUsageOnlyChunk: !_fields.IncludeUsage, _time, call.StartTimestamp,
            u => Usage.CostCalculator.Cost(deployment.Config, u), call.Delivered, ct,
            call.MaxSseEventBytes, call.Secrets);

    private async Task<RelayResult> TranslateStreamAsync(Stream upstream, HttpResponse http, CallState call, CancellationToken ct)
    {
        var translator = _streamTranslator = new AnthropicToOpenAiStreamTranslator(
            _fields.Model!, _time.GetUtcNow().ToUnixTimeSeconds(), includeUsage: _fields.IncludeUsage, "chatcmpl-" + call.CallId, _translated?.JsonToolName);
        var output = http.BodyWriter;
        var parser = new SseParser(call.MaxSseEventBytes, call.Secrets);
        TimeSpan? ttft = null;
        var flush = new MergedFlush();
        while (!translator.Finished && await flush.ReadIntoAsync(upstream, parser, output, ct) > 0)
        {
            ttft ??= _time.GetElapsedTime(call.StartTimestamp);
            while (parser.TryRead(out var evt))
            {
                call.Delivered.AddAnthropicEvent(evt.Name, evt.Data.Span);
                translator.OnEvent(evt.Name ?? "message", evt.Data.Span, output);
            }
        }

        while (parser.TryReadFinal(out var evt))
        {
            call.Delivered.AddAnthropicEvent(evt.Name, evt.Data.Span);
            translator.OnEvent(evt.Name ?? "message", evt.Data.Span, output);
        }

        if (!translator.Finished)
        {
            // Closed before message_stop: the answer is cut; an error chunk ends it, never a clean stop (architecture decision 10).
            translator.OnEndedEarly(output);
            await Answer.FlushToClientAsync(output, ct);
            throw new IOException("the upstream stream ended before message_stop");
        }

        await Answer.FlushToClientAsync(output, ct);

        return new RelayResult(translator.Usage, ttft, !translator.Failed);
    }

    public Task WriteMidStreamErrorAsync(HttpContext context, string message, CancellationToken ct)
    {
        if (_streamTranslator is { } translator)
        {
            translator.OnUpstreamError("api_error", message, context.Response.BodyWriter);
            return context.Response.BodyWriter.FlushAsync(ct).AsTask();
        }

        return SseRelay.WriteStreamErrorAsync(context.Response, message, ct);
    }
}
