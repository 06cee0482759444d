namespace Switchboard.Translation.Gemini;

/// <summary>A Gemini request translated to the OpenAI chat pivot, with what the answer's translation needs.</summary>
internal sealed class GeminiPivotRequest
{
    /// <summary>The pivot <c>chat/completions</c> body.</summary>
    public required byte[] Body { get; init; }

    public required bool Stream { get; init; }

    /// <summary>The model group the path named; <c>modelVersion</c> echoes it.</summary>
    public required string RequestedModel { get; init; }

    /// <summary><c>generationConfig.thinkingConfig.includeThoughts</c>: only then does the answer carry <c>thought</c> parts, as at Google.</summary>
    public bool IncludeThoughts { get; init; }

    public ToolNameMap ToolNames { get; init; } = ToolNameMap.Empty;

    /// <summary>What the translation left out or turned into text (docs/compatibility.md); logged at debug level.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
