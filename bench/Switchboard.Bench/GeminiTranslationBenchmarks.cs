using System.Buffers;
using BenchmarkDotNet.Attributes;
using Switchboard.Protocols.OpenAi;
using Switchboard.Translation;
using Switchboard.Translation.Gemini;

namespace Switchboard.Bench;

/// <summary>
/// The Gemini spoke (architecture decision 12) beside the Anthropic pair: a whole request to the pivot per call, a whole
/// stream per operation (divide by its event count for the cost per event), and the composed path Gemini ← pivot ←
/// Anthropic against the direct pair OpenAI ← Anthropic.
/// </summary>
[MemoryDiagnoser]
public class GeminiTranslationBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _pivot = new(4 * 1024);
    private byte[] _geminiRequest = [];
    private byte[] _anthropicRequest = [];
    private byte[][] _text = [];
    private (string Name, byte[] Data)[] _anthropicEvents = [];
    private GeminiPivotRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        var golden = Path.Combine(Root(), "tests", "Switchboard.Tests", "Translation", "Golden");
        _geminiRequest = File.ReadAllBytes(Path.Combine(golden, "Gemini", "Request", "recorded", "gemini-cli-0.61.0.json"));
        _anthropicRequest = File.ReadAllBytes(Path.Combine(golden, "AnthropicRequest", "recorded", "claude-code-2.1.332-pool.json"));
        _text = RecordedStream.Utf8(RecordedStream.OpenAiSse);
        _request = new GeminiPivotRequest { Body = [], Stream = true, RequestedModel = "gemini-pool", IncludeThoughts = true };

        // The same answer as an Anthropic upstream sends it: the recorded pivot stream through the pivot → Anthropic pair.
        var translator = new OpenAiToAnthropicStreamTranslator("claude", "msg_bench", ToolNameMap.Empty, 287);
        var sse = new ArrayBufferWriter<byte>();
        foreach (var chunk in _text)
        {
            translator.OnChunk(chunk, sse);
        }

        translator.OnDone(sse);
        var parser = new SseParser();
        parser.Append(sse.WrittenSpan);
        var events = new List<(string, byte[])>();
        while (parser.TryReadFinal(out var e))
        {
            events.Add((e.Name ?? "message", e.Data.ToArray()));
        }

        _anthropicEvents = [.. events];
    }

    /// <summary>Gemini CLI 0.61.0's first request (38 KB, 8 tools) to the pivot, for a GLM deployment.</summary>
    [Benchmark]
    public int GeminiRequest_ToPivot() =>
        GeminiRequestTranslator.ToPivot(_geminiRequest, new GeminiToPivotOptions { RequestedModel = "gemini-pool", UpstreamModel = "glm-4.6", IsGlm = true, Stream = true }).Body.Length;

    /// <summary>Claude Code 2.1.332's first request to the pivot, for the same deployment (the Anthropic spoke, for comparison).</summary>
    [Benchmark]
    public int AnthropicRequest_ToPivot() =>
        AnthropicRequestTranslator.ToOpenAi(_anthropicRequest, new AnthropicToOpenAiOptions { UpstreamModel = "glm-4.6", IsGlm = true }).Body.Length;

    /// <summary>50 pivot chunks (reasoning, text, usage) written as a Gemini stream (compare OnChunk_TextStream, to Anthropic).</summary>
    [Benchmark]
    public int GeminiStream_FromPivot()
    {
        _output.ResetWrittenCount();
        var writer = new GeminiStreamWriter(_request, GeminiStreamFraming.Sse, "resp_bench", 287);
        foreach (var chunk in _text)
        {
            writer.OnChunk(chunk, _output);
        }

        writer.OnDone(_output);
        return _output.WrittenCount;
    }

    /// <summary>The direct pair: an Anthropic upstream's stream to an OpenAI client.</summary>
    [Benchmark]
    public int AnthropicStream_ToOpenAi_Direct()
    {
        _output.ResetWrittenCount();
        var translator = new AnthropicToOpenAiStreamTranslator("gpt-4o", 1_700_000_000, includeUsage: true, "chatcmpl-bench");
        foreach (var (name, data) in _anthropicEvents)
        {
            translator.OnEvent(name, data, _output);
        }

        return _output.WrittenCount;
    }

    /// <summary>The composed path: an Anthropic upstream's stream to a Gemini client through the pivot, event by event, as the hub does.</summary>
    [Benchmark]
    public int AnthropicStream_ToGemini_Composed()
    {
        _output.ResetWrittenCount();
        var translator = new AnthropicToOpenAiStreamTranslator("gemini-pool", 1_700_000_000, includeUsage: true, "chatcmpl-bench");
        var writer = new GeminiStreamWriter(_request, GeminiStreamFraming.Sse, null, 287);
        var chunks = new SseParser();
        foreach (var (name, data) in _anthropicEvents)
        {
            translator.OnEvent(name, data, _pivot);
            chunks.Append(_pivot.WrittenSpan);
            _pivot.ResetWrittenCount();
            while (chunks.TryRead(out var chunk))
            {
                if (chunk.IsDone)
                {
                    writer.OnDone(_output);
                }
                else
                {
                    writer.OnChunk(chunk.Data.Span, _output);
                }
            }
        }

        return _output.WrittenCount;
    }

    /// <summary>Anthropic events in the stream above.</summary>
    public int AnthropicEventCount => _anthropicEvents.Length;

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Switchboard.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Switchboard.sln not found above " + AppContext.BaseDirectory);
    }
}
