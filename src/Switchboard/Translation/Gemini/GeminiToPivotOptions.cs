using Microsoft.Extensions.Logging;

namespace Switchboard.Translation.Gemini;

/// <summary>What the Gemini → pivot translation needs to know about the call and the chosen deployment.</summary>
internal readonly record struct GeminiToPivotOptions
{
    /// <summary>The model group named in the path (<c>models/{model}:…</c>, without the <c>models/</c> prefix); answers echo it.</summary>
    public required string RequestedModel { get; init; }

    public required string UpstreamModel { get; init; }

    /// <summary>The method asked for a stream (<c>:streamGenerateContent</c>): a Gemini body has no stream flag.</summary>
    public bool Stream { get; init; }

    /// <summary>Z.ai GLM upstream: <c>thinking</c> switch, <c>tool_stream</c>, temperature in [0, 1], <c>tool_choice</c> only <c>auto</c>.</summary>
    public bool IsGlm { get; init; }

    /// <summary>The deployment's <c>model_info.max_output_tokens</c>; <c>maxOutputTokens</c> is clamped to it.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>For upstreams that reject <c>stream_options</c>.</summary>
    public bool OmitStreamOptions { get; init; }

    /// <summary>Whether the upstream is an OpenAI reasoning model; null: guessed from its name (<see cref="AnthropicToOpenAiOptions.IsReasoningModel"/>).</summary>
    public bool? ReasoningModel { get; init; }

    /// <summary>Where the notes (what was left out) go, at debug level; null: nowhere.</summary>
    public ILogger? Logger { get; init; }
}
