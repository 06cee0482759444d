namespace Switchboard.Translation;

/// <summary>OpenAI <c>finish_reason</c> ⇄ Anthropic <c>stop_reason</c>, and the wire constants both directions share.</summary>
internal static class StopReasons
{
    /// <summary>Anthropic clients require a signature on thinking blocks; ours only marks them as translated (it is dropped on the way back).</summary>
    public const string ThinkingSignature = "c3dpdGNoYm9hcmQtdHJhbnNsYXRlZA==";

    public static string ToAnthropic(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" or "sensitive" => "refusal",
        _ => "end_turn",
    };

    public static string ToOpenAi(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop",
    };

    public static string MessageId(string? upstreamId)
    {
        if (string.IsNullOrEmpty(upstreamId))
        {
            return "msg_" + Guid.NewGuid().ToString("N");
        }

        var id = upstreamId.StartsWith("chatcmpl-", StringComparison.Ordinal) ? upstreamId["chatcmpl-".Length..] : upstreamId;
        return id.StartsWith("msg_", StringComparison.Ordinal) ? id : "msg_" + id;
    }

    public static string CompletionId(string? messageId)
    {
        if (string.IsNullOrEmpty(messageId))
        {
            return "chatcmpl-" + Guid.NewGuid().ToString("N");
        }

        return "chatcmpl-" + (messageId.StartsWith("msg_", StringComparison.Ordinal) ? messageId["msg_".Length..] : messageId);
    }
}
