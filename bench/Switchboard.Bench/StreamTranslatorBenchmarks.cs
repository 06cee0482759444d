using System.Buffers;
using BenchmarkDotNet.Attributes;
using Switchboard.Translation;

namespace Switchboard.Bench;

/// <summary>One whole upstream stream translated OpenAI → Anthropic per operation (what a Claude Code call through GLM costs).</summary>
[MemoryDiagnoser]
public class StreamTranslatorBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private byte[][] _text = [];
    private byte[][] _toolCall = [];

    [GlobalSetup]
    public void Setup()
    {
        _text = RecordedStream.Utf8(RecordedStream.OpenAiSse);
        _toolCall = RecordedStream.Utf8(RecordedStream.ToolCallChunks);
    }

    /// <summary>50 chunks: reasoning, text, finish and usage.</summary>
    [Benchmark]
    public int OnChunk_TextStream() => Translate(_text);

    /// <summary>11 chunks: text, then one tool call whose arguments arrive in fragments.</summary>
    [Benchmark]
    public int OnChunk_ToolCallStream() => Translate(_toolCall);

    private int Translate(byte[][] chunks)
    {
        _output.ResetWrittenCount();
        var translator = new OpenAiToAnthropicStreamTranslator("claude-sonnet-4-5-20250929", "msg_bench_0001", ToolNameMap.Empty, 287);
        foreach (var chunk in chunks)
        {
            translator.OnChunk(chunk, _output);
        }

        translator.OnDone(_output);
        return _output.WrittenCount;
    }
}
