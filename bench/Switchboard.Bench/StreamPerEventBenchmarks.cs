using BenchmarkDotNet.Attributes;

namespace Switchboard.Bench;

/// <summary>
/// Every stream translator per event (issue 13, "Guard it"): the whole recorded stream of each translator's own
/// benchmark, with BenchmarkDotNet dividing time and bytes by the stream's upstream events (chunks plus the final
/// <c>[DONE]</c>). A translator's one-off objects (its state, the first event's headers) are spread over the stream,
/// as they are in a real one; the event counts are checked at setup so that a re-recorded stream cannot skew them.
/// </summary>
[MemoryDiagnoser]
public class StreamPerEventBenchmarks
{
    /// <summary>RecordedStream.OpenAiSse: 50 chunks + [DONE].</summary>
    private const int TextEvents = 51;

    /// <summary>RecordedStream.ToolCallChunks: 11 chunks + [DONE].</summary>
    private const int ToolCallEvents = 12;

    /// <summary>The recorded text stream as an Anthropic upstream sends it (message_start … message_stop).</summary>
    private const int AnthropicEvents = 56;

    private readonly StreamTranslatorBenchmarks _anthropic = new();
    private readonly ResponsesTranslatorBenchmarks _responses = new();
    private readonly GeminiTranslationBenchmarks _gemini = new();

    [GlobalSetup]
    public void Setup()
    {
        _anthropic.Setup();
        _responses.Setup();
        _gemini.Setup();
        Expect(RecordedStream.Utf8(RecordedStream.OpenAiSse).Length + 1, TextEvents, "OpenAiSse");
        Expect(RecordedStream.Utf8(RecordedStream.ToolCallChunks).Length + 1, ToolCallEvents, "ToolCallChunks");
        Expect(_gemini.AnthropicEventCount, AnthropicEvents, "Anthropic events");
    }

    private static void Expect(int actual, int expected, string what)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"{what}: {actual} events, the per-event benchmarks divide by {expected}; update the constant.");
        }
    }

    /// <summary>OpenAI (pivot) → Anthropic, text stream.</summary>
    [Benchmark(OperationsPerInvoke = TextEvents)]
    public int PerEvent_ToAnthropic_Text() => _anthropic.OnChunk_TextStream();

    /// <summary>OpenAI (pivot) → Anthropic, tool-call stream.</summary>
    [Benchmark(OperationsPerInvoke = ToolCallEvents)]
    public int PerEvent_ToAnthropic_ToolCall() => _anthropic.OnChunk_ToolCallStream();

    /// <summary>Pivot → Responses, text stream.</summary>
    [Benchmark(OperationsPerInvoke = TextEvents)]
    public int PerEvent_ToResponses_Text() => _responses.Stream_Responses_Text50();

    /// <summary>Pivot → Responses, tool-call stream.</summary>
    [Benchmark(OperationsPerInvoke = ToolCallEvents)]
    public int PerEvent_ToResponses_ToolCall() => _responses.Stream_Responses_ToolCall11();

    /// <summary>Pivot → Gemini, text stream.</summary>
    [Benchmark(OperationsPerInvoke = TextEvents)]
    public int PerEvent_ToGemini_Text() => _gemini.GeminiStream_FromPivot();

    /// <summary>Anthropic upstream → OpenAI client (the direct pair), per Anthropic event.</summary>
    [Benchmark(OperationsPerInvoke = AnthropicEvents)]
    public int PerEvent_AnthropicToOpenAi() => _gemini.AnthropicStream_ToOpenAi_Direct();

    /// <summary>Anthropic upstream → Gemini client through the pivot, per Anthropic event.</summary>
    [Benchmark(OperationsPerInvoke = AnthropicEvents)]
    public int PerEvent_AnthropicToGemini_Composed() => _gemini.AnthropicStream_ToGemini_Composed();
}
