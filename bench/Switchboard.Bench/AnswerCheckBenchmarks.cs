using System.Text;
using BenchmarkDotNet.Attributes;
using Switchboard.Upstream;

namespace Switchboard.Bench;

/// <summary>
/// The check of every 2xx non-stream answer before it is relayed (architecture decision 10): a <c>Utf8JsonReader</c> skim of the
/// whole body, no DOM. Compared with <c>TokenUsage.TryReadOpenAi</c>, the read the relay already does on the same body.
/// </summary>
[MemoryDiagnoser]
public class AnswerCheckBenchmarks
{
    private byte[] _body = [];

    /// <summary>A short chat answer (~0.5 KB) and a long one (~64 KB of content).</summary>
    [Params("500B", "64KB")]
    public string Size { get; set; } = "500B";

    [GlobalSetup]
    public void Setup()
    {
        var content = Size == "500B" ? "Hello! How can I help you today? I can answer questions about your code." : new string('x', 64 * 1024);
        const string Head = "{\"id\":\"chatcmpl-8f1c2a\",\"object\":\"chat.completion\",\"created\":1764480000,\"model\":\"glm-4.6\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"";
        const string Tail = "\",\"reasoning_content\":\"The user greets me; answer briefly.\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":1234,\"completion_tokens\":56,\"total_tokens\":1290,\"prompt_tokens_details\":{\"cached_tokens\":1024}}}";
        _body = Encoding.UTF8.GetBytes(Head + content + Tail);
    }

    [Benchmark]
    public bool Check() => AnswerCheck.Check(_body, "application/json; charset=utf-8", AnswerShape.Choices) is null;

    [Benchmark(Baseline = true)]
    public int ReadUsage() => Switchboard.Protocols.TokenUsage.TryReadOpenAi(_body, out var usage) ? usage.OutputTokens : 0;
}
