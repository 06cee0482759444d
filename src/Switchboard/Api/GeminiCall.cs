using Switchboard.Config;
using Switchboard.Translation;
using Switchboard.Translation.Gemini;

namespace Switchboard.Api;

/// <summary>
/// A Gemini <c>:generateContent</c> / <c>:streamGenerateContent</c> call: the Gemini spoke of the hub (architecture
/// decision 12). The request becomes the pivot per deployment (its upstream model, GLM's or OpenAI's reasoning switch);
/// the hub reaches both upstream kinds; answers and streams come back in Gemini's shape.
/// </summary>
internal sealed class GeminiCall(RequestBody body, string requestedModel, bool stream, GeminiStreamFraming framing, TimeProvider time)
    : PivotCall(requestedModel, stream, time)
{
    private GeminiPivotRequest? _request;

    public override ClientApi Api => ClientApi.Gemini;

    protected override byte[] ToPivot(DeploymentConfig deployment)
    {
        var anthropic = Providers.SpeaksAnthropic(deployment.Provider);
        _request = GeminiRequestTranslator.ToPivot(body.Span, new GeminiToPivotOptions
        {
            RequestedModel = RequestedModel,
            UpstreamModel = deployment.UpstreamModel,
            Stream = Stream,
            // The pivot ⇄ Anthropic pair speaks to Anthropic's API, not GLM's chat endpoint: no GLM switches there.
            IsGlm = !anthropic && (Providers.IsZai(deployment.Provider, deployment.ApiBase) || deployment.UpstreamModel.StartsWith("glm", StringComparison.OrdinalIgnoreCase)),
            MaxOutputTokens = deployment.ModelInfo.MaxOutputTokens,
            Logger = Logger,
        });
        return _request.Body;
    }

    protected override byte[] FromPivot(ReadOnlySpan<byte> chatCompletion, CallState call) =>
        GeminiAnswerTranslator.FromPivot(chatCompletion, _request!, call.EstimatedInputTokens, out _);

    protected override IPivotStreamWriter NewStreamWriter(CallState call) =>
        new GeminiStreamWriter(_request!, framing, responseId: null, call.EstimatedInputTokens);
}
