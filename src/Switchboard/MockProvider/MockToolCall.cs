namespace Switchboard.MockProvider;

/// <summary>One tool call the mock was asked to make with <c>mock-tool:NAME {json}</c>.</summary>
/// <param name="IdSuffix">Deterministic id without its protocol prefix (<c>call_</c> for OpenAI, <c>toolu_</c> for Anthropic).</param>
/// <param name="Name">The tool's name.</param>
/// <param name="Arguments">Compact JSON object; its pieces are the streamed argument fragments.</param>
internal sealed record MockToolCall(string IdSuffix, string Name, MockPieces Arguments);
