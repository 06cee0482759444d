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
internal sealed class OpenAiCall(RequestBody body, RoutingFields fields, string upstreamPath, TimeProvider time) : IProxyProtocol
{
    private string? _builtFor;
    private byte[]? _built;
    private TranslatedRequest? _translated;
    private string? _translatedFor;
    private AnthropicToOpenAiStreamTranslator? _streamTranslator;

    /// <summary>Gets the translation's notes (what it left out) at debug level.</summary>
    public ILogger? Logger { get; init; }

    public ClientApi Api => ClientApi.OpenAi;

    /// <summary>Embeddings have no stream: a <c>stream: true</c> there is ignored, not relayed as a stream that never ends well.</summary>
    public bool Stream => fields.Stream && upstreamPath != "/embeddings";

    public UpstreamRequest BuildRequest(Deployment deployment)
    {
        var config = deployment.Config;
        if (Providers.SpeaksAnthropic(config.Provider))
        {
            if (upstreamPath != "/chat/completions")
            {
                throw new TranslationException($"{upstreamPath} is not available on anthropic/ deployments (model group '{deployment.Group}'); use /v1/chat/completions.");
            }

            if (_translated is null || _translatedFor != config.UpstreamModel)
            {
                _translated = OpenAiRequestTranslator.ToAnthropic(body.Span, new OpenAiToAnthropicOptions
                {
                    UpstreamModel = config.UpstreamModel,
                    DefaultMaxTokens = config.ModelInfo.MaxOutputTokens ?? 4096,
                    Logger = Logger,
                });
                _translatedFor = config.UpstreamModel;
            }

            return new UpstreamRequest("/v1/messages", _translated.Body, Stream);
        }

        var addStreamUsage = upstreamPath is "/chat/completions" or "/completions";
        if (fields.KeepsBody(body.Span, config.UpstreamModel, addStreamUsage))
        {
            return new UpstreamRequest(upstreamPath, body.Memory, Stream);
        }

        // Retries usually go to deployments of the same upstream model: build once per model name.
        if (_built is null || !string.Equals(_builtFor, config.UpstreamModel, StringComparison.Ordinal))
        {
            _built = fields.Rewrite(body.Span, config.UpstreamModel, addStreamUsage);
            _builtFor = config.UpstreamModel;
        }

        return new UpstreamRequest(upstreamPath, _built, Stream);
    }

    // A ValueTask: a non-stream answer relays synchronously when the client's socket takes it, with no Task per call.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RelayResult> RelayAsync(HttpContext context, Deployment deployment, UpstreamResponse response, CallState call, CancellationToken ct)
    {
        var http = context.Response;
        var translated = Providers.SpeaksAnthropic(deployment.Config.Provider);
        if (Stream)
        {
            await Answer.StartEventStreamAsync(http, call, time, ct);
            return translated
                ? await TranslateStreamAsync(response.Body, http, call, ct)
                : await RelayOpenAiStreamAsync(deployment, response, http, call, ct);
        }

        var readStarted = time.GetTimestamp();
        var bytes = await response.ReadAllAsync(256L * 1024 * 1024, ct);
        call.UpstreamTime += time.GetElapsedTime(readStarted);
        TokenUsage? usage;
        if (translated)
        {
            bytes = AnthropicResponseTranslator.ToOpenAi(bytes, fields.Model!, time.GetUtcNow().ToUnixTimeSeconds(), out var u, _translated?.JsonToolName);
            usage = u;
        }
        else
        {
            usage = TokenUsage.TryReadOpenAi(bytes, out var u) && u.InputTokens + u.OutputTokens > 0 ? u : null;
        }

        return await Answer.WriteJsonAsync(http, bytes, usage, call, time, ct);
    }

    // Apart, so that the cost closure is allocated only for streams (C# allocates it where its captured scope starts).
    private Task<RelayResult> RelayOpenAiStreamAsync(Deployment deployment, UpstreamResponse response, HttpResponse http, CallState call, CancellationToken ct) =>
        SseRelay.RelayOpenAiAsync(response.Body, http, dropUsageOnlyChunk: !fields.IncludeUsage, time, call.StartTimestamp,
            u => Usage.CostCalculator.Cost(deployment.Config.ModelInfo, deployment.Config.UpstreamModel, u), call.Delivered, ct,
            call.MaxSseEventBytes, call.Secrets);

    private async Task<RelayResult> TranslateStreamAsync(Stream upstream, HttpResponse http, CallState call, CancellationToken ct)
    {
        var translator = _streamTranslator = new AnthropicToOpenAiStreamTranslator(
            fields.Model!, time.GetUtcNow().ToUnixTimeSeconds(), includeUsage: fields.IncludeUsage, "chatcmpl-" + call.CallId, _translated?.JsonToolName);
        var output = http.BodyWriter;
        var parser = new SseParser(call.MaxSseEventBytes, call.Secrets);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        TimeSpan? ttft = null;
        try
        {
            int read;
            while (!translator.Finished && (read = await upstream.ReadAsync(buffer, ct)) > 0)
            {
                ttft ??= time.GetElapsedTime(call.StartTimestamp);
                parser.Append(buffer.AsSpan(0, read));
                while (parser.TryRead(out var evt))
                {
                    call.Delivered.AddAnthropicEvent(evt.Name, evt.Data.Span);
                    translator.OnEvent(evt.Name ?? "message", evt.Data.Span, output);
                }

                await Answer.FlushToClientAsync(output, ct);
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
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

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
