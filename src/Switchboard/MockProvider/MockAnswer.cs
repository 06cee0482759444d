using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Switchboard.MockProvider;

/// <summary>
/// The answer to one call, shared by both protocols so that the OpenAI and Anthropic modes say the same thing, and a stream
/// says exactly what the non-stream answer says. Usage is exact: completion tokens = streamed pieces (reasoning, content and
/// tool-argument fragments); prompt tokens = <see cref="MockRequest.PromptTokens"/>.
/// </summary>
internal sealed class MockAnswer
{
    private const string Directive = "mock-tool:";
    private const int ReasoningPieces = 3;
    private const int ArgumentPieces = 4;
    private const int ToolResultEcho = 200;

    private MockAnswer(MockPieces reasoning, MockPieces content, IReadOnlyList<MockToolCall> toolCalls, int promptTokens)
    {
        Reasoning = reasoning;
        Content = content;
        ToolCalls = toolCalls;
        PromptTokens = promptTokens;
        var completion = reasoning.Count + content.Count;
        foreach (var call in toolCalls) completion += call.Arguments.Count;
        CompletionTokens = completion;
    }

    public MockPieces Reasoning { get; }

    public MockPieces Content { get; }

    public IReadOnlyList<MockToolCall> ToolCalls { get; }

    public int PromptTokens { get; }

    public int CompletionTokens { get; }

    public bool IsToolUse => ToolCalls.Count > 0;

    /// <summary>
    /// Pieces a <c>cut-*</c> stream sends before it stops: half-way through the last tool call's arguments when there are
    /// tool calls (a call cut mid-arguments), else half the content (at least one piece).
    /// </summary>
    public int CutAt
    {
        get
        {
            if (ToolCalls.Count == 0)
            {
                return Reasoning.Count + Math.Max(1, Content.Count / 2);
            }

            var before = Reasoning.Count + Content.Count;
            for (var i = 0; i < ToolCalls.Count - 1; i++) before += ToolCalls[i].Arguments.Count;
            return before + Math.Max(1, ToolCalls[^1].Arguments.Count / 2);
        }
    }

    /// <param name="text">A fixed answer text instead of the greeting naming <paramref name="key"/>.</param>
    public static MockAnswer For(MockRequest request, string key, int chunks, string? text = null)
    {
        var reasoning = request.Thinking
            ? MockPieces.Split($"Thinking about the request to mock deployment {key}.", ReasoningPieces)
            : MockPieces.Empty;
        if (request.ForcedTool is { } forced)
        {
            var input = MockJsonAnswer.For(request.ForcedToolSchema, text ?? Greeting(key, request.Model, chunks));
            var call = new MockToolCall($"mock_0_{Hash(forced, input):x8}", forced, MockPieces.Split(input, ArgumentPieces));
            return new(reasoning, MockPieces.Empty, [call], request.PromptTokens);
        }

        if (request.ToolResult is { } result)
        {
            var echo = result.Length > ToolResultEcho ? result[..ToolResultEcho] : result;
            return new(reasoning, MockPieces.Split("Tool result received: " + echo, chunks), [], request.PromptTokens);
        }

        if (request.HasTools && request.LastUserText is { } user && user.Contains(Directive, StringComparison.Ordinal))
        {
            var calls = ParseDirectives(user);
            if (calls.Count > 0) return new(reasoning, MockPieces.Empty, calls, request.PromptTokens);
        }

        var answer = text ?? Greeting(key, request.Model, chunks);
        if (request.JsonMode)
        {
            answer = MockJsonAnswer.For(request.JsonSchema, answer);
        }

        return new(reasoning, MockPieces.Split(answer, chunks), [], request.PromptTokens);
    }

    /// <summary>The text naming the key; repeated until it is long enough for the asked number of chunks.</summary>
    internal static string Greeting(string key, string model, int chunks)
    {
        var greeting = $"Hello from mock deployment {key} (model {model})";
        if (greeting.Length >= chunks) return greeting;
        var builder = new StringBuilder(greeting, chunks + greeting.Length);
        while (builder.Length < chunks) builder.Append(' ').Append(greeting);
        return builder.ToString();
    }

    /// <summary>Every <c>mock-tool:NAME {json}</c> in the text, in order; a missing or broken JSON object gives <c>{}</c>.</summary>
    internal static List<MockToolCall> ParseDirectives(string text)
    {
        var calls = new List<MockToolCall>();
        var at = text.IndexOf(Directive, StringComparison.Ordinal);
        while (at >= 0)
        {
            var start = at + Directive.Length;
            var end = start;
            while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] != '{') end++;
            var name = text[start..end];
            var cursor = end;
            while (cursor < text.Length && char.IsWhiteSpace(text[cursor])) cursor++;
            var arguments = "{}";
            if (cursor < text.Length && text[cursor] == '{')
            {
                arguments = CompactObject(text.AsSpan(cursor), out var consumed) ?? "{}";
                cursor += consumed;
            }

            if (name.Length > 0)
            {
                var suffix = $"mock_{calls.Count}_{Hash(name, arguments):x8}";
                calls.Add(new MockToolCall(suffix, name, MockPieces.Split(arguments, ArgumentPieces)));
            }

            at = text.IndexOf(Directive, Math.Max(cursor, start), StringComparison.Ordinal);
        }

        return calls;
    }

    /// <summary>The JSON object at the start of <paramref name="text"/>, compacted; null if it is not valid JSON.</summary>
    private static string? CompactObject(ReadOnlySpan<char> text, out int consumedChars)
    {
        consumedChars = 0;
        var bytes = Encoding.UTF8.GetBytes(text.ToArray());
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = false });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.TrySkip()) return null;
            var length = (int)reader.BytesConsumed;
            consumedChars = Encoding.UTF8.GetCharCount(bytes.AsSpan(0, length));
            using var doc = JsonDocument.Parse(bytes.AsMemory(0, length));
            var buffer = new ArrayBufferWriter<byte>(length);
            using (var writer = new Utf8JsonWriter(buffer, MockJson.WriterOptions)) doc.RootElement.WriteTo(writer);
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static uint Hash(string name, string arguments)
    {
        // FNV-1a: stable across processes (string.GetHashCode is randomised), so tool ids are reproducible.
        var hash = 2166136261u;
        foreach (var c in name) hash = (hash ^ c) * 16777619u;
        foreach (var c in arguments) hash = (hash ^ c) * 16777619u;
        return hash;
    }
}
