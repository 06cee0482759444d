using System.Buffers;
using BenchmarkDotNet.Attributes;
using Switchboard.Api;

namespace Switchboard.Bench;

/// <summary>Splitting an upstream SSE stream into events, as the relay does for every read (one and many buffer segments).</summary>
[MemoryDiagnoser]
public class SseRelayBenchmarks
{
    private ReadOnlySequence<byte> _single;
    private ReadOnlySequence<byte> _segmented;

    /// <summary>Events in the recorded stream (a GLM answer with reasoning, text and usage).</summary>
    public static int EventCount => RecordedStream.OpenAiSse.Count;

    [GlobalSetup]
    public void Setup()
    {
        var bytes = RecordedStream.SseBytes();
        _single = new ReadOnlySequence<byte>(bytes);
        // A pipe hands the relay 4 KB segments that cut events in half: the multi-segment path.
        _segmented = BufferSegment.Split(bytes, 4096);
    }

    [Benchmark]
    public int TryReadEvent_SingleSegment() => ReadAll(_single);

    [Benchmark]
    public int TryReadEvent_Segments4K() => ReadAll(_segmented);

    private static int ReadAll(ReadOnlySequence<byte> buffer)
    {
        var count = 0;
        while (SseRelay.TryReadEvent(ref buffer, out var evt))
        {
            count += evt.IsSingleSegment ? SseRelay.DataPayload(evt.FirstSpan).Length : 1;
        }

        return count;
    }
}
