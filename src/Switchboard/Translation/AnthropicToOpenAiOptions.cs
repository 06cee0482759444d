namespace Switchboard.Translation;

internal readonly record struct AnthropicToOpenAiOptions
{
    public required string UpstreamModel { get; init; }

    /// <summary>Z.ai GLM upstream: <c>thinking</c> switch, <c>tool_stream</c>, temperature/top_p in [0, 1], <c>tool_choice</c> only <c>auto</c>.</summary>
    public bool IsGlm { get; init; }

    /// <summary>The deployment's <c>model_info.max_output_tokens</c>; <c>max_tokens</c> is clamped to it.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>For upstreams that reject <c>stream_options</c>; usage is then estimated unless the upstream sends it anyway.</summary>
    public bool OmitStreamOptions { get; init; }
}
