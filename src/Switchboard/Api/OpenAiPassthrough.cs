using System.Globalization;
using Microsoft.AspNetCore.Http;
using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;

namespace Switchboard.Api;

/// <summary>
/// An OpenAI-format call to an OpenAI-compatible upstream: the body goes on byte for byte with only the model
/// swapped (DESIGN decision 3); the answer is relayed as is, streams event by event.
/// </summary>
internal sealed class OpenAiPassthrough(RequestBody body, RoutingFields fields, string upstreamPath, TimeProvider time) : IProxyProtocol
{
    private string? _builtFor;
    private byte[]? _built;

    public ClientApi Api => ClientApi.OpenAi;

    public bool Stream => fields.Stream;

    public UpstreamRequest BuildRequest(Deployment deployment)
    {
        var config = deployment.Config;
        if (Providers.SpeaksAnthropic(config.Provider))
        {
            // TODO(#4): translate OpenAI → Anthropic for anthropic/ deployments.
            throw new NotSupportedException("anthropic/ deployments are not yet reachable from the OpenAI endpoints");
        }

        // Retries usually go to deployments of the same upstream model: build once per model name.
        if (_built is null || !string.Equals(_builtFor, config.UpstreamModel, StringComparison.Ordinal))
        {
            _built = fields.Rewrite(body.Span, config.UpstreamModel, addStreamUsage: upstreamPath == "/chat/completions" || upstreamPath == "/completions");
            _builtFor = config.UpstreamModel;
        }

        return new UpstreamRequest(upstreamPath, _built, fields.Stream);
    }

    public async Task<RelayResult> RelayAsync(HttpContext context, Deployment deployment, UpstreamResponse response, CallState call, CancellationToken ct)
    {
        var http = context.Response;
        if (fields.Stream)
        {
            http.StatusCode = response.StatusCode;
            http.ContentType = "text/event-stream; charset=utf-8";
            http.Headers.CacheControl = "no-cache";
            http.Headers["x-accel-buffering"] = "no";
            Timing.WriteHeaders(http, call, time);
            await http.StartAsync(ct);
            return await SseRelay.RelayOpenAiAsync(response.Body, http, dropUsageOnlyChunk: !fields.IncludeUsage, time, call.StartTimestamp, ct);
        }

        var readStarted = time.GetTimestamp();
        var bytes = await response.ReadAllAsync(256L * 1024 * 1024, ct);
        call.UpstreamTime += time.GetElapsedTime(readStarted);
        _ = Usage.TokenUsage.TryReadOpenAi(bytes, out var usage);
        http.StatusCode = response.StatusCode;
        http.ContentType = "application/json";
        http.ContentLength = bytes.Length;
        Timing.WriteHeaders(http, call, time);
        await http.Body.WriteAsync(bytes, ct);
        return new RelayResult(usage.PromptTokens + usage.CompletionTokens > 0 ? usage : null, null, true);
    }

    public Task WriteMidStreamErrorAsync(HttpContext context, string message, CancellationToken ct) =>
        SseRelay.WriteStreamErrorAsync(context.Response, message, ct);
}
