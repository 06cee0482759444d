namespace Switchboard.Translation.Gemini;

/// <summary>The pivot's <c>finish_reason</c> → Gemini's <c>finishReason</c>.</summary>
internal static class GeminiFinishReasons
{
    /// <summary>Gemini ends a turn that calls functions with <c>STOP</c> too: the calls themselves say what follows.</summary>
    public static string FromPivot(string? finishReason) => finishReason switch
    {
        null or "stop" or "tool_calls" or "function_call" or "end_turn" => "STOP",
        "length" => "MAX_TOKENS",
        "content_filter" or "sensitive" => "SAFETY",
        _ => "OTHER",
    };
}
