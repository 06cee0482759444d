using Microsoft.Extensions.Logging;

namespace Switchboard.Translation;

internal readonly record struct AnthropicToOpenAiOptions
{
    public required string UpstreamModel { get; init; }

    /// <summary>
    /// Z.ai GLM upstream: <c>thinking</c> switch, <c>tool_stream</c>, temperature/top_p in [0, 1], <c>tool_choice</c> only
    /// <c>auto</c>, and system messages only at the start (late ones are merged into the leading one).
    /// </summary>
    public bool IsGlm { get; init; }

    /// <summary>The deployment's <c>model_info.max_output_tokens</c>; <c>max_tokens</c> is clamped to it.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>For upstreams that reject <c>stream_options</c>; usage is then estimated unless the upstream sends it anyway.</summary>
    public bool OmitStreamOptions { get; init; }

    /// <summary>
    /// Whether the upstream is an OpenAI reasoning model (takes <c>reasoning_effort</c> and <c>max_completion_tokens</c>,
    /// refuses <c>max_tokens</c> and sampling knobs); null: guessed from its name (<see cref="IsReasoningModel"/>).
    /// </summary>
    public bool? ReasoningModel { get; init; }

    /// <summary>Where the notes (what was left out) go, at debug level; null: nowhere.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>
    /// OpenAI's reasoning models (o-series, gpt-5 except its chat variants, gpt-oss) take <c>reasoning_effort</c>; the
    /// others answer 400 to it, so it is sent only to these.
    /// </summary>
    public static bool IsReasoningModel(string upstreamModel)
    {
        var model = upstreamModel.AsSpan(upstreamModel.LastIndexOf('/') + 1);
        if (model.StartsWith("o1-mini", StringComparison.OrdinalIgnoreCase) || model.StartsWith("o1-preview", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return model.StartsWith("o1", StringComparison.OrdinalIgnoreCase)
               || model.StartsWith("o3", StringComparison.OrdinalIgnoreCase)
               || model.StartsWith("o4", StringComparison.OrdinalIgnoreCase)
               || model.StartsWith("gpt-oss", StringComparison.OrdinalIgnoreCase)
               || (model.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase) && !model.Contains("-chat", StringComparison.OrdinalIgnoreCase));
    }
}
