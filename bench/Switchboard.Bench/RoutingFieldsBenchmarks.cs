using BenchmarkDotNet.Attributes;
using Switchboard.Api;

namespace Switchboard.Bench;

/// <summary>The same-protocol hot path: read model/stream without a DOM, then swap the model name in place (architecture decision 3).</summary>
[MemoryDiagnoser]
public class RoutingFieldsBenchmarks
{
    private byte[] _body = [];

    [Params("1KB", "70KB")]
    public string Size { get; set; } = "1KB";

    [GlobalSetup]
    public void Setup() => _body = BenchBodies.Get(Size);

    [Benchmark]
    public int Parse() => RoutingFields.Parse(_body).ModelLength;

    [Benchmark]
    public int ParseAndRewrite()
    {
        var fields = RoutingFields.Parse(_body);
        return fields.Rewrite(_body, "glm-4.6", addStreamUsage: true).Length;
    }

    /// <summary>The non-stream call whose deployment's upstream model is the requested name: the body goes on as it came.</summary>
    [Benchmark]
    public bool ParseAndKeep()
    {
        var fields = RoutingFields.Parse(_body);
        return fields.KeepsBody(_body, fields.Model!, addStreamUsage: false);
    }
}
