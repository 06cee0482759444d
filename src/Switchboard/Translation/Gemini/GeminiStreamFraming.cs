namespace Switchboard.Translation.Gemini;

/// <summary>How <c>:streamGenerateContent</c> frames its <c>GenerateContentResponse</c> chunks.</summary>
internal enum GeminiStreamFraming
{
    /// <summary><c>?alt=sse</c> (what the SDKs and Gemini CLI ask for): <c>data: {…}</c> events.</summary>
    Sse,

    /// <summary>Without <c>alt=sse</c>: one JSON array, its elements written as they come (<c>[{…},\r\n{…}]</c>).</summary>
    JsonArray,
}
