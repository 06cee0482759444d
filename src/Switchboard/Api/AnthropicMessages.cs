using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
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
/// An Anthropic Messages call (Claude Code's protocol). To OpenAI-compatible deployments it is translated request,
/// answer and stream (event by event); to <c>anthropic/</c> deployments the bytes go on with only the model swapped.
/// </summary>
internal sealed class AnthropicMessages(RequestBody body, RoutingFields fields, TimeProvider time, TimeSpan pingInterval) : IProxyProtocol
{
    private TranslatedRequest? _translated;
    private string? _translatedFor;
    private byte[]? _passthrough;
    private string? _passthroughFor;
    private OpenAiToAnthropicStreamTranslator? _streamTranslator;

    /// <summary>Gets the translation's notes (what it left out) at debug level.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>The client's <c>anthropic-beta</c> header, for <c>anthropic/</c> deployments (passthrough); null when none.</summary>
    public string? AnthropicBeta { get; init; }

    /// <summary>The client's <c>anthropic-version</c> header, for <c>anthropic/</c> deployments; null when none.</summary>
    public string? AnthropicVersion { get; init; }

    public ClientApi Api => ClientApi.Anthropic;

    public bool Stream => fields.Stream;

    public string RequestedModel => fields.Model!;

    /// <summary>
    /// Translates once up front, for the group's first deployment that is not <c>anthropic/</c>, so that a malformed
    /// request is a 400 before any upstream is chosen. A group of <c>anthropic/</c> deployments only gets the bytes as
    /// sent, and Anthropic judges them. Throws <see cref="TranslationException"/> (a 400).
    /// </summary>
    /// <returns>The session identity the request carries (<c>metadata.user_id</c>), for session affinity; null when
    /// nothing was translated.</returns>
    public string? Validate(ModelGroup group)
    {
        var deployments = group.Deployments; // a reload may swap the list: read it once
        for (var i = 0; i < deployments.Count; i++)
        {
            if (!Providers.SpeaksAnthropic(deployments[i].Config.Provider))
            {
                return Translate(deployments[i].Config).SessionId;
            }
        }

        return null;
    }

    public UpstreamRequest BuildRequest(Deployment deployment)
    {
        var config = deployment.Config;
        if (Providers.SpeaksAnthropic(config.Provider))
        {
            if (_passthrough is null || _passthroughFor != config.UpstreamModel)
            {
                _passthrough = fields.Rewrite(body.Span, config.UpstreamModel, addStreamUsage: false);
                _passthroughFor = config.UpstreamModel;
            }

            return new UpstreamRequest("/v1/messages", _passthrough, fields.Stream, AnthropicBeta, AnthropicVersion);
        }

        return new UpstreamRequest("/chat/completions", Translate(config).Body, fields.Stream);
    }

    private TranslatedRequest Translate(DeploymentConfig config)
    {
        var key = config.UpstreamModel + "|" + config.ModelInfo.MaxOutputTokens + "|" + Providers.IsZai(config.Provider, config.ApiBase);
        if (_translated is null || _translatedFor != key)
        {
            _translated = AnthropicRequestTranslator.ToOpenAi(body.Span, new AnthropicToOpenAiOptions
            {
                UpstreamModel = config.UpstreamModel,
                IsGlm = Providers.IsZai(config.Provider, config.ApiBase) || config.UpstreamModel.StartsWith("glm", StringComparison.OrdinalIgnoreCase),
                MaxOutputTokens = config.ModelInfo.MaxOutputTokens,
                Logger = Logger,
            });
            _translatedFor = key;
        }

        return _translated;
    }

    public async ValueTask<RelayResult> RelayAsync(HttpContext context, Deployment deployment, UpstreamResponse response, CallState call, CancellationToken ct)
    {
        var http = context.Response;
        var passthrough = Providers.SpeaksAnthropic(deployment.Config.Provider);
        http.Headers["request-id"] = call.CallId;
        if (!fields.Stream)
        {
            var readStarted = time.GetTimestamp();
            var bytes = await response.ReadAllAsync(256L * 1024 * 1024, ct);
            call.UpstreamTime += time.GetElapsedTime(readStarted);
            byte[] answer;
            TokenUsage? usage;
            if (passthrough)
            {
                answer = EchoModel(bytes);
                usage = TokenUsage.TryReadOpenAi(bytes, out var u) ? u : null;
            }
            else
            {
                answer = OpenAiResponseTranslator.ToAnthropic(bytes, RequestedModel, _translated?.ToolNames ?? ToolNameMap.Empty, call.EstimatedInputTokens);
                usage = TokenUsage.TryReadOpenAi(bytes, out var u) ? u : null;
            }

            return await Answer.WriteJsonAsync(http, answer, usage, call, time, ct);
        }

        if (passthrough)
        {
            await Answer.StartEventStreamAsync(http, call, time, ct);
            return await RelayAnthropicStreamAsync(response.Body, http, call, ct);
        }

        // Headers written, flushed by the relay before it waits or with the first events (AnthropicStreamRelay).
        await Answer.BeginEventStreamAsync(http, call, time, ct);
        var config = call.ServedBy?.Config;
        var translator = _streamTranslator = new OpenAiToAnthropicStreamTranslator(
            RequestedModel, "msg_" + call.CallId, _translated?.ToolNames ?? ToolNameMap.Empty, call.EstimatedInputTokens)
        {
            CostOf = u => Usage.CostCalculator.Cost(config, u),
        };
        return await AnthropicStreamRelay.TranslateAsync(response.Body, http, translator, call, time, pingInterval, ct);
    }

    /// <summary>An Anthropic upstream's stream, relayed event by event; only message_start (model echo, usage) and message_delta (usage) are looked at.</summary>
    private async Task<RelayResult> RelayAnthropicStreamAsync(Stream upstream, HttpResponse http, CallState call, CancellationToken ct)
    {
        var output = http.BodyWriter;
        var parser = new SseParser(call.MaxSseEventBytes, call.Secrets);
        var haveUsage = false;
        TimeSpan? ttft = null;
        while (true)
        {
            var read = await SseRelay.ReadIntoAsync(upstream, parser, ct, cutReturns: true);
            if (read == SseRelay.Cancelled)
            {
                return RelayResult.Cut(http.HttpContext, ttft, nameof(OperationCanceledException), ct);
            }

            // At the end, an event the upstream ended without its blank line (or with a last CR the parser waited for an
            // LF after) is still the upstream's last event.
            var end = read == 0;
            if (!end)
            {
                ttft ??= time.GetElapsedTime(call.StartTimestamp);
            }

            SseEvent evt;
            while (end ? parser.TryReadFinal(out evt) : parser.TryRead(out evt))
            {
                var data = evt.Data.Span;
                call.Delivered.AddAnthropicEvent(evt.Name, data);
                if (evt.Name == "message_start")
                {
                    WriteEvent(output, evt.Name, EchoModelInMessageStart(data));
                    haveUsage = true;
                    continue;
                }

                haveUsage |= evt.Name == "message_delta";

                TrackBlocks(evt.Name, data);

                WriteEvent(output, evt.Name, data);
                if (evt.Name == "error")
                {
                    // An error event ends a failed stream: nothing the upstream sends after it is relayed, and the attempt
                    // is the deployment's failure, as on the translated paths (architecture decision 10).
                    return await Answer.TryFlushToClientAsync(output, ct)
                        ? new RelayResult(haveUsage ? call.Delivered.Settle(static () => 0) : null, ttft, false)
                        : RelayResult.Cut(http.HttpContext, ttft, nameof(ClientGoneException), ct);
                }
            }

            if (!await Answer.TryFlushToClientAsync(output, ct))
            {
                return RelayResult.Cut(http.HttpContext, ttft, nameof(ClientGoneException), ct);
            }

            if (end)
            {
                break;
            }
        }

        if (!_passthroughStopped)
        {
            // A clean end of the connection before message_stop is still a broken answer for the client.
            throw new IOException("the upstream stream ended before message_stop");
        }

        // The usage message_start and message_delta reported (cache reads and writes included), recorded as they passed.
        return new RelayResult(haveUsage ? call.Delivered.Settle(static () => 0) : null, ttft, true);
    }

    private int? _passthroughOpenBlock;
    private bool _passthroughStopped;

    /// <summary>Which block of a relayed Anthropic stream is open, so that a broken stream can close it before its error event.</summary>
    private void TrackBlocks(string? name, ReadOnlySpan<byte> data)
    {
        switch (name)
        {
            case "content_block_start":
                _passthroughOpenBlock = ReadIndex(data);
                break;
            case "content_block_stop":
                _passthroughOpenBlock = null;
                break;
            case "message_stop" or "error":
                // Either way the stream has its end: the attempt loop appends no error event of its own.
                _passthroughStopped = true;
                break;
            default:
                break;
        }
    }

    private static int ReadIndex(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                return reader.TryGetInt32(out var index) ? index : 0;
            }
        }

        return 0;
    }

    private static void WriteEvent(IBufferWriter<byte> output, string? name, ReadOnlySpan<byte> data)
    {
        if (name is not null)
        {
            output.Write("event: "u8);
            Encoding.UTF8.GetBytes(name, output);
            output.Write("\n"u8);
        }

        output.Write("data: "u8);
        output.Write(data);
        output.Write("\n\n"u8);
    }

    private byte[] EchoModelInMessageStart(ReadOnlySpan<byte> data)
    {
        try
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(data)!;
            if (node["message"] is System.Text.Json.Nodes.JsonObject m)
            {
                m["model"] = RequestedModel;
            }

            return Encoding.UTF8.GetBytes(node.ToJsonString());
        }
        catch (JsonException)
        {
            return data.ToArray();
        }
    }

    private byte[] EchoModel(byte[] answer)
    {
        try
        {
            var answerFields = RoutingFields.Parse(answer);
            return answerFields.ModelIsString ? answerFields.Rewrite(answer, RequestedModel, addStreamUsage: false) : answer;
        }
        catch (JsonException)
        {
            return answer;
        }
    }

    public Task WriteMidStreamErrorAsync(HttpContext context, string message, CancellationToken ct)
    {
        var output = context.Response.BodyWriter;
        if (_streamTranslator is { } translator)
        {
            translator.OnUpstreamError(Protocols.Anthropic.AnthropicErrors.Api, message, output);
        }
        else
        {
            if (_passthroughOpenBlock is { } open)
            {
                WriteEvent(output, "content_block_stop", System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"content_block_stop\",\"index\":{open}}}"));
                _passthroughOpenBlock = null;
            }

            output.Write("event: error\ndata: "u8);
            Protocols.Anthropic.AnthropicErrors.Write(output, Protocols.Anthropic.AnthropicErrors.Api, message, CallIds.Of(context));
            output.Write("\n\n"u8);
        }

        return output.FlushAsync(ct).AsTask();
    }
}
