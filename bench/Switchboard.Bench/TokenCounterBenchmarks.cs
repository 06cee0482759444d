using BenchmarkDotNet.Attributes;
using Switchboard.Usage;

namespace Switchboard.Bench;

/// <summary>
/// The o200k_base count (<see cref="TokenCounter"/>, the compact vocabulary and the library's pre-tokenizer): what a
/// stream without a usage chunk, a cut stream or an estimated prompt pays once per call for its text.
/// </summary>
[MemoryDiagnoser]
public class TokenCounterBenchmarks
{
    private const string Answer =
        "Hello! The gateway spreads your calls over every key in the pool, retries a refused call on another key and " +
        "keeps the keys that are resting out of the rotation until their window opens again. Ask me anything.";

    [GlobalSetup]
    public void Setup() => TokenCounter.CountText(Answer);

    [Benchmark]
    public int CountText_Answer200() => TokenCounter.CountText(Answer);
}
