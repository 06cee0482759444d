using System.Text;
using BenchmarkDotNet.Attributes;
using Switchboard.Upstream;

namespace Switchboard.Bench;

/// <summary>
/// A non-stream answer read whole (the attempt loop's check, then the relay): the body stays in the response's pooled
/// buffer for both, so the response object (and the stand-in's stream) are the only allocations; the read's state
/// machines are pooled.
/// </summary>
[MemoryDiagnoser]
public class UpstreamResponseBenchmarks
{
    private byte[] _answer = [];

    [GlobalSetup]
    public void Setup() => _answer = Encoding.UTF8.GetBytes(
        """{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"glm-4.6","choices":[{"index":0,"message":{"role":"assistant","content":"""
        + "\"" + new string('x', 300) + "\"" + """},"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":40,"total_tokens":60}}""");

    [Benchmark]
    public async Task<int> BufferThenReadAll()
    {
        await using var response = new UpstreamResponse(200, new MemoryStream(_answer, writable: false));
        var checkedBody = await response.BufferAsync(1 << 20, CancellationToken.None);
        var relayed = await response.BufferAsync(1 << 20, CancellationToken.None); // the relay's read: the same bytes
        return checkedBody.Length + relayed.Length;
    }
}
