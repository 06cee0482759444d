namespace Switchboard.MockProvider;

/// <summary>What the mock needs from a request body, in either protocol.</summary>
internal sealed class MockRequest
{
    public string Model { get; set; } = "mock-model";

    public bool Stream { get; set; }

    /// <summary><c>stream_options.include_usage</c> (OpenAI only).</summary>
    public bool IncludeUsage { get; set; }

    public bool HasTools { get; set; }

    /// <summary><c>thinking.type</c> is <c>enabled</c> (GLM and Anthropic) or <c>adaptive</c> (Anthropic).</summary>
    public bool Thinking { get; set; }

    /// <summary><c>response_format</c> asks for JSON (<c>json_object</c> or <c>json_schema</c>); the answer is then a JSON object.</summary>
    public bool JsonMode { get; set; }

    /// <summary>The <c>json_schema.schema</c> of <c>response_format</c>, as JSON text; the answer is an instance of it.</summary>
    public string? JsonSchema { get; set; }

    /// <summary>Anthropic <c>tool_choice: {type: tool, name}</c>: the tool the answer must call (a JSON answer rides one so).</summary>
    public string? ForcedTool { get; set; }

    /// <summary>The forced tool's <c>input_schema</c>, as JSON text; the call's input is an instance of it.</summary>
    public string? ForcedToolSchema { get; set; }

    /// <summary>Characters of every message text, system prompt and tool result: the base of the deterministic prompt_tokens.</summary>
    public long PromptChars { get; set; }

    /// <summary>Text of the last message when it is the user's own (the <c>mock-tool:</c> directives live there).</summary>
    public string? LastUserText { get; set; }

    /// <summary>The trailing tool results (OpenAI <c>tool</c> messages, Anthropic <c>tool_result</c> blocks), joined by newlines.</summary>
    public string? ToolResult { get; set; }

    /// <summary>Embeddings: <c>dimensions</c>, or 0 for the default.</summary>
    public int Dimensions { get; set; }

    /// <summary>Embeddings: <c>encoding_format: base64</c> (the official OpenAI .NET client asks for it).</summary>
    public bool Base64 { get; set; }

    /// <summary>Embeddings: each input as text (token arrays as their raw JSON).</summary>
    public List<string> Inputs { get; } = [];

    /// <summary>
    /// The request's <c>x-mock-stamp: 1</c> header: every chunk of an OpenAI chat stream carries its send time
    /// (<see cref="OpenAiWriter.SentTicksField"/>) for the stream-latency benchmark. Off by default: the chunks are then byte for
    /// byte what they were.
    /// </summary>
    public bool StampSent { get; set; }

    /// <summary>
    /// <c>x-mock-stamp: 2</c>: as 1, and each content piece's text also ends with its send time (<c>[t</c>ticks<c>]</c>),
    /// which survives translation, so the benchmark can time each content delta of a stream the gateway translated
    /// (an Anthropic client's <c>text_delta</c>s). Off by default.
    /// </summary>
    public bool StampContent { get; set; }

    /// <summary>The deterministic prompt token count: characters / 4 + 1.</summary>
    public int PromptTokens => (int)Math.Min(int.MaxValue, (PromptChars / 4) + 1);
}
