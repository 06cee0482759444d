using System.Text;
using BenchmarkDotNet.Attributes;
using Switchboard.Observability;

namespace Switchboard.Bench;

/// <summary>
/// What redaction costs where it runs: an upstream error text with 100 configured keys (clean, the common case, and
/// echoing one), and the check a relayed stream makes on every event (does it carry an error at all).
/// </summary>
[MemoryDiagnoser]
public class SecretRedactorBenchmarks
{
    private SecretRedactor _redactor = SecretRedactor.Empty;
    private string _clean = "";
    private string _echo = "";
    private byte[][] _events = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var keys = Enumerable.Range(0, 100).Select(_ => "sk-" + Convert.ToHexString(RandomBytes(random, 24)).ToLowerInvariant()).ToArray();
        _redactor = new SecretRedactor(keys);
        _clean = "Rate limit reached for requests in organization org-abc on requests per min: limit 3500, used 3500. " +
            new string('x', 380);
        _echo = "Incorrect API key provided: " + keys[57] + ". You can find your API key at https://platform.example/account/api-keys. " +
            new string('x', 320);
        _events = [.. Encoding.UTF8.GetString(RecordedStream.SseBytes()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => Encoding.UTF8.GetBytes(e + "\n\n"))];
    }

    [Benchmark]
    public int Redact_CleanMessage() => _redactor.Redact(_clean).Length;

    [Benchmark]
    public int Redact_MessageEchoingAKey() => _redactor.Redact(_echo).Length;

    /// <summary>The per-event test of the relay (<c>"error"</c> in the event) over a whole 50-event stream.</summary>
    [Benchmark]
    public int ErrorCheck_WholeStream()
    {
        var count = 0;
        foreach (var evt in _events)
        {
            count += evt.AsSpan().IndexOf("error"u8) >= 0 ? 1 : 0;
        }

        return count;
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
