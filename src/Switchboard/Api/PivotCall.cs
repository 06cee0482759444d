using System.Buffers;
using System.IO.Pipelines;
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
/// The hub (architecture decision 12): a call in a client API that reaches every upstream through the OpenAI chat pivot.
/// A spoke (Responses, Gemini) supplies three translations: its request to a pivot body, a pivot answer to its answer, and
/// a stream writer from pivot chunks. This class does the rest for both upstream kinds: an OpenAI-compatible deployment
/// gets the pivot as is; an <c>anthropic/</c> deployment gets it through the existing pivot ⇄ Anthropic pair, and its
/// events come back as pivot chunks, one event at a time, through a small reused buffer.
/// </summary>
internal abstract class PivotCall(string requestedModel, bool stream, TimeProvider time) : IProxyProtocol
{
    private DeploymentConfig? _pivotFor;
    private byte[]? _pivot;
    private DeploymentConfig? _anthropicFor;
    private TranslatedRequest? _anthropic;
    private IPivotStreamWriter? _writer;

    // The attempt being relayed reached a deployment natively, without the pivot.
    private bool _relayingNative;

    // The upstream's stream carried an error chunk: the client got its error signal, and the attempt is no success.
    private bool _upstreamFailed;

    /// <summary>When what the stream writer wrote leaves (before an upstream read that has to wait).</summary>
    private MergedFlush _flush;

    /// <summary>Gets the translations' notes (what they left out) at debug level.</summary>
    public ILogger? Logger { get; init; }

    public abstract ClientApi Api { get; }

    public bool Stream => stream;

    /// <summary>The model group the client asked for, as its answers name it.</summary>
    protected string RequestedModel => requestedModel;

    /// <summary>
    /// The pivot: an OpenAI chat-completions body for <paramref name="deployment"/> (its upstream model, its reasoning
    /// switch). When streaming it must carry <c>"stream": true</c> and <c>"stream_options": {"include_usage": true}</c>.
    /// Throws <see cref="TranslationException"/> for what the client got wrong (a 400 in its own shape).
    /// </summary>
    protected abstract byte[] ToPivot(DeploymentConfig deployment);

    /// <summary>The client's answer from a pivot <c>chat.completion</c>.</summary>
    protected abstract byte[] FromPivot(ReadOnlySpan<byte> chatCompletion, CallState call);

    /// <summary>A fresh stream writer for this call.</summary>
    protected abstract IPivotStreamWriter NewStreamWriter(CallState call);

    /// <summary>
    /// True when <paramref name="deployment"/> speaks the client's API itself (decided per attempt, so a group may mix
    /// such deployments with others): the call then skips the pivot, through <see cref="NativeRequest"/> and
    /// <see cref="RelayNativeAsync"/>.
    /// </summary>
    protected virtual bool IsNative(DeploymentConfig deployment) => false;

    /// <summary>The client's own request for a native deployment (only the model swapped).</summary>
    protected virtual UpstreamRequest NativeRequest(DeploymentConfig deployment) => throw new NotSupportedException();

    /// <summary>Relays a native deployment's answer as it comes.</summary>
    protected virtual Task<RelayResult> RelayNativeAsync(HttpContext context, UpstreamResponse response, CallState call, CancellationToken ct) =>
        throw new NotSupportedException();

    /// <summary>Ends a natively relayed stream that broke after its first byte, in the client's protocol.</summary>
    protected virtual Task WriteNativeStreamErrorAsync(HttpContext context, string message, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Translates once up front so that a malformed request is a 400 before any upstream is chosen.</summary>
    public void Validate(DeploymentConfig anyDeployment) => PivotFor(anyDeployment);

    public UpstreamRequest BuildRequest(Deployment deployment)
    {
        var config = deployment.Config;
        if (IsNative(config))
        {
            return NativeRequest(config);
        }

        var pivot = PivotFor(config);
        if (!Providers.SpeaksAnthropic(config.Provider))
        {
            return new UpstreamRequest("/chat/completions", pivot, stream);
        }

        if (_anthropic is null || !ReferenceEquals(_anthropicFor, config))
        {
            _anthropic = OpenAiRequestTranslator.ToAnthropic(pivot, new OpenAiToAnthropicOptions
            {
                UpstreamModel = config.UpstreamModel,
                DefaultMaxTokens = config.ModelInfo.MaxOutputTokens ?? 4096,
                Logger = Logger,
            });
            _anthropicFor = config;
        }

        return new UpstreamRequest("/v1/messages", _anthropic.Body, stream);
    }

    private byte[] PivotFor(DeploymentConfig config)
    {
        if (_pivot is null || !ReferenceEquals(_pivotFor, config))
        {
            _pivot = ToPivot(config);
            _pivotFor = config;
        }

        return _pivot;
    }

    public async ValueTask<RelayResult> RelayAsync(HttpContext context, Deployment deployment, UpstreamResponse response, CallState call, CancellationToken ct)
    {
        _relayingNative = IsNative(deployment.Config);
        if (_relayingNative)
        {
            return await RelayNativeAsync(context, response, call, ct);
        }

        var http = context.Response;
        var anthropic = Providers.SpeaksAnthropic(deployment.Config.Provider);
        if (!stream)
        {
            var readStarted = time.GetTimestamp();
            // The checked answer in the response's pooled buffer, valid until the response is disposed (after this relay).
            var bytes = await response.BufferAsync(256L * 1024 * 1024, ct);
            call.UpstreamTime += time.GetElapsedTime(readStarted);
            TokenUsage? usage;
            if (anthropic)
            {
                bytes = AnthropicResponseTranslator.ToOpenAi(bytes.Span, requestedModel, time.GetUtcNow().ToUnixTimeSeconds(), out var u, _anthropic?.JsonToolName);
                usage = u;
            }
            else
            {
                usage = TokenUsage.TryReadOpenAi(bytes.Span, out var u) && u.InputTokens + u.OutputTokens > 0 ? u : null;
            }

            return await Answer.WriteJsonAsync(http, FromPivot(bytes.Span, call), usage, call, time, ct);
        }

        // The headers and the writer's opening events are written, not flushed: the relay flushes them before its first
        // read if that read has to wait, or else with the first chunk's output (one send per stream start).
        await Answer.BeginEventStreamAsync(http, call, time, ct);
        var writer = _writer = NewStreamWriter(call);
        writer.OnStart(http.BodyWriter);
        return anthropic
            ? await RelayAnthropicAsync(response.Body, writer, http.BodyWriter, call, ct)
            : await RelayPivotAsync(response.Body, writer, http.BodyWriter, call, ct);
    }

    /// <summary>An OpenAI-compatible upstream: its chunks are the pivot.</summary>
    private async Task<RelayResult> RelayPivotAsync(Stream upstream, IPivotStreamWriter writer, PipeWriter output, CallState call, CancellationToken ct)
    {
        var parser = new SseParser(call.MaxSseEventBytes, call.Secrets);
        TimeSpan? ttft = null;
        while (!writer.Finished && await _flush.ReadIntoAsync(upstream, parser, output, ct) > 0)
        {
            ttft ??= time.GetElapsedTime(call.StartTimestamp);
            while (!writer.Finished && parser.TryRead(out var evt))
            {
                call.Delivered.AddOpenAiChunk(evt.Data.Span);
                Forward(evt.Data.Span, writer, output);
            }
        }

        while (!writer.Finished && parser.TryReadFinal(out var evt))
        {
            call.Delivered.AddOpenAiChunk(evt.Data.Span);
            Forward(evt.Data.Span, writer, output);
        }

        await EndAsync(writer, output, ct);

        return new RelayResult(writer.Usage, ttft, !_upstreamFailed);
    }

    /// <summary>An <c>anthropic/</c> upstream: each event becomes pivot chunks (the existing pair), handed on at once.</summary>
    private async Task<RelayResult> RelayAnthropicAsync(Stream upstream, IPivotStreamWriter writer, PipeWriter output, CallState call, CancellationToken ct)
    {
        var translator = new AnthropicToOpenAiStreamTranslator(requestedModel, time.GetUtcNow().ToUnixTimeSeconds(), includeUsage: true, "chatcmpl-" + call.CallId,
            _anthropic?.JsonToolName);
        var parser = new SseParser(call.MaxSseEventBytes, call.Secrets);
        var chunks = new SseParser(call.MaxSseEventBytes);
        var pivot = new ArrayBufferWriter<byte>(1024);
        TimeSpan? ttft = null;
        while (!writer.Finished && await _flush.ReadIntoAsync(upstream, parser, output, ct) > 0)
        {
            ttft ??= time.GetElapsedTime(call.StartTimestamp);
            while (!writer.Finished && parser.TryRead(out var evt))
            {
                call.Delivered.AddAnthropicEvent(evt.Name, evt.Data.Span);
                translator.OnEvent(evt.Name ?? "message", evt.Data.Span, pivot);
                Drain(pivot, chunks, writer, output);
            }
        }

        while (!writer.Finished && parser.TryReadFinal(out var evt))
        {
            call.Delivered.AddAnthropicEvent(evt.Name, evt.Data.Span);
            translator.OnEvent(evt.Name ?? "message", evt.Data.Span, pivot);
            Drain(pivot, chunks, writer, output);
        }

        await EndAsync(writer, output, ct);

        return new RelayResult(translator.Usage, ttft, !_upstreamFailed && !translator.Failed);
    }

    private void Drain(ArrayBufferWriter<byte> pivot, SseParser chunks, IPivotStreamWriter writer, IBufferWriter<byte> output)
    {
        if (pivot.WrittenCount == 0)
        {
            return;
        }

        chunks.Append(pivot.WrittenSpan);
        pivot.ResetWrittenCount();
        while (!writer.Finished && chunks.TryRead(out var chunk))
        {
            Forward(chunk.Data.Span, writer, output);
        }
    }

    /// <summary>One pivot <c>data:</c> payload: <c>[DONE]</c>, an error chunk, or a chunk.</summary>
    private void Forward(ReadOnlySpan<byte> data, IPivotStreamWriter writer, IBufferWriter<byte> output)
    {
        var trimmed = data.Trim(" \t\r\n"u8);
        if (trimmed.IsEmpty)
        {
            return;
        }

        if (trimmed.SequenceEqual("[DONE]"u8))
        {
            writer.OnDone(output);
            return;
        }

        if (trimmed.StartsWith("{\"error\""u8) && TryReadError(trimmed, out var type, out var message))
        {
            _upstreamFailed = true;
            writer.OnError(type, message, output);
            return;
        }

        writer.OnChunk(trimmed, output);
    }

    /// <summary>A stream that closed before the pivot's <c>[DONE]</c> is cut: the client's error signal, then a failure (architecture decision 10).</summary>
    private static async Task EndAsync(IPivotStreamWriter writer, PipeWriter output, CancellationToken ct)
    {
        if (!writer.Finished)
        {
            writer.OnError("api_error", "The upstream stream ended before it finished; the answer is incomplete.", output);
            await Answer.FlushToClientAsync(output, ct);
            throw new IOException("the upstream stream ended before it finished");
        }

        await Answer.FlushToClientAsync(output, ct);
    }

    private static bool TryReadError(ReadOnlySpan<byte> json, out string type, out string message)
    {
        type = "api_error";
        message = "The upstream failed.";
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            if (!document.RootElement.TryGetProperty("error", out var error))
            {
                return false;
            }

            if (error.ValueKind == JsonValueKind.Object)
            {
                type = error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : type;
                message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : message;
            }
            else if (error.ValueKind == JsonValueKind.String)
            {
                message = error.GetString()!;
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public Task WriteMidStreamErrorAsync(HttpContext context, string message, CancellationToken ct)
    {
        if (_relayingNative)
        {
            return WriteNativeStreamErrorAsync(context, message, ct);
        }

        if (_writer is not { } writer)
        {
            return Task.CompletedTask;
        }

        writer.OnError("api_error", message, context.Response.BodyWriter);
        return context.Response.BodyWriter.FlushAsync(ct).AsTask();
    }
}
