namespace Switchboard.Api;

/// <summary>The wire protocol the caller speaks; errors and streams are written in it.</summary>
internal enum ClientApi
{
    OpenAi,
    Anthropic,

    /// <summary>The OpenAI Responses API (Codex CLI): errors in OpenAI's shape.</summary>
    Responses,

    /// <summary>Google's Gemini API (<c>/v1beta/models/{model}:generateContent</c>), through the pivot (architecture decision 12).</summary>
    Gemini,
}
