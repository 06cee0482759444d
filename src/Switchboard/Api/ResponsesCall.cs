using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Switchboard.Config;
using Switchboard.Protocols.Anthropic;
using Switchboard.Translation;
using Switchboard.Translation.Responses;
using Switchboard.Upstream;

namespace Switchboard.Api;

/// <summary>
/// A Responses API call (Codex CLI's protocol) through the OpenAI chat pivot onto any pool (architecture decision 12):
/// the spoke's three translations plug into <see cref="PivotCall"/>, which reaches OpenAI-compatible and <c>anthropic/</c>
/// deployments alike. A response is kept in the <see cref="ResponseStore"/> unless the client sent <c>store: false</c>.
/// </summary>
internal sealed class ResponsesCall : PivotCall
{
    private readonly RequestBody _body;
    private readonly ResponseStore _store;
    private readonly string _owner;
    private readonly byte[] _history;
    private readonly TimeProvider _time;
    private readonly RoutingFields _fields;
    private ResponsesRequest? _request;
    private string? _nativeFor;
    private byte[]? _native;
    private ResponsesNativeRelay.Sequence? _sequence;

    /// <param name="history">The stored conversation of <c>previous_response_id</c> (a JSON array of items), or empty.</param>
    public ResponsesCall(RequestBody body, RoutingFields fields, ResponseStore store, string owner, byte[] history, TimeProvider time)
        : base(fields.Model!, fields.Stream, time)
    {
        _body = body;
        _store = store;
        _owner = owner;
        _history = history;
        _time = time;
        _fields = fields;
    }

    public override ClientApi Api => ClientApi.Responses;

    /// <summary><c>prompt_cache_key</c> (Codex's session id), else <c>user</c>: the session-affinity key; known once validated.</summary>
    public string? SessionId => _request?.SessionId;

    /// <summary>
    /// A deployment whose <c>model_info.supported_endpoints</c> lists <c>/v1/responses</c> (LiteLLM's field) speaks this
    /// API itself: the request goes on with only the model swapped (the key is the adapter's). Not when the request
    /// continues a response this gateway stored (<c>previous_response_id</c>): that upstream has never seen it, so the
    /// conversation goes through the pivot, which carries the history. Not for <c>anthropic/</c> deployments.
    /// </summary>
    protected override bool IsNative(DeploymentConfig deployment) =>
        deployment.ModelInfo.SupportsResponses && _history.Length == 0 && !Providers.SpeaksAnthropic(deployment.Provider);

    protected override UpstreamRequest NativeRequest(DeploymentConfig deployment)
    {
        // Retries usually go to deployments of the same upstream model: rewrite once per model name.
        if (_native is null || !string.Equals(_nativeFor, deployment.UpstreamModel, StringComparison.Ordinal))
        {
            _native = _fields.Rewrite(_body.Span, deployment.UpstreamModel, addStreamUsage: false);
            _nativeFor = deployment.UpstreamModel;
        }

        return new UpstreamRequest("/responses", _native, Stream);
    }

    protected override Task<RelayResult> RelayNativeAsync(HttpContext context, UpstreamResponse response, CallState call, CancellationToken ct) =>
        ResponsesNativeRelay.RelayAsync(context, response, Stream, call, _time, _sequence ??= new(), ct);

    protected override Task WriteNativeStreamErrorAsync(HttpContext context, string message, CancellationToken ct) =>
        ResponsesNativeRelay.WriteStreamErrorAsync(context.Response, message, _sequence?.Next ?? 0, ct);

    protected override byte[] ToPivot(DeploymentConfig deployment)
    {
        _request = ResponsesRequestTranslator.ToPivot(_body.Span, _history, new AnthropicToOpenAiOptions
        {
            UpstreamModel = deployment.UpstreamModel,
            IsGlm = Providers.IsZai(deployment.Provider, deployment.ApiBase) || deployment.UpstreamModel.StartsWith("glm", StringComparison.OrdinalIgnoreCase),
            MaxOutputTokens = deployment.ModelInfo.MaxOutputTokens,
            Logger = Logger,
        });
        return _request.Body;
    }

    protected override byte[] FromPivot(ReadOnlySpan<byte> chatCompletion, CallState call)
    {
        var request = _request!;
        var answer = ResponsesAnswerTranslator.ToResponse(chatCompletion, request, ResponseId(call), _time.GetUtcNow().ToUnixTimeSeconds(),
            call.EstimatedInputTokens, out var output);
        Keep(request, output, answer);
        return answer;
    }

    protected override IPivotStreamWriter NewStreamWriter(CallState call)
    {
        var request = _request!;
        return new ResponsesStreamWriter(request, ResponseId(call), _time.GetUtcNow().ToUnixTimeSeconds(), call.EstimatedInputTokens)
        {
            Completed = output => Keep(request, output, null),
        };
    }

    private static string ResponseId(CallState call) => "resp_" + call.CallId;

    private void Keep(ResponsesRequest request, ResponseOutput output, byte[]? answer)
    {
        if (!request.Store)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            output.WriteItems(json);
        }

        if (answer is null)
        {
            var response = new ArrayBufferWriter<byte>(1024);
            using (var json = new Utf8JsonWriter(response, JsonWriting.Options))
            {
                output.WriteResponse(json);
            }

            answer = response.WrittenSpan.ToArray();
        }

        _store.Add(output.ResponseId, _owner, answer, Concat(request.InputItems, buffer.WrittenSpan));
    }

    /// <summary>Two compact JSON arrays as one.</summary>
    private static byte[] Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (first.Length <= 2)
        {
            return second.ToArray();
        }

        if (second.Length <= 2)
        {
            return first.ToArray();
        }

        var joined = new byte[first.Length + second.Length - 1];
        first[..^1].CopyTo(joined);
        joined[first.Length - 1] = (byte)',';
        second[1..].CopyTo(joined.AsSpan(first.Length));
        return joined;
    }
}
