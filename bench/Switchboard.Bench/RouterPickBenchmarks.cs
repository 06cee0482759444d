using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Config;
using Switchboard.Routing;

namespace Switchboard.Bench;

/// <summary>
/// The router's pick for one attempt, per routing strategy: acquire a lease on one of four deployments of a group,
/// then release it (what the attempt loop does around every upstream send, its success report aside).
/// </summary>
[MemoryDiagnoser]
public class RouterPickBenchmarks
{
    private Router? _router;
    private ModelGroup? _group;
    private RouteRequest _request;

    /// <summary>The strategy, named short (BenchmarkDotNet cuts longer parameter values in its report, and so the budget's key).</summary>
    [Params("simple-shuffle", "round-robin", "least-busy", "usage-based", "latency-based")]
    public string Strategy { get; set; } = "simple-shuffle";

    [GlobalSetup]
    public void Setup()
    {
        var yaml = $$"""
            model_list:
            {{string.Concat(Enumerable.Range(1, 4).Select(i => $"""
              - model_name: glm-4.6
                litellm_params:
                  model: openai/glm-4.6
                  api_base: http://127.0.0.1:9/v1
                  api_key: sk-bench-key-{i:0000}

            """))}}
            router_settings:
              routing_strategy: {{(Strategy is "usage-based" or "latency-based" ? Strategy + "-routing" : Strategy)}}
            """;
        var loaded = ConfigLoader.LoadYaml(yaml, null, _ => null);
        if (!loaded.IsValid)
        {
            throw new InvalidOperationException(string.Join("; ", loaded.Errors.Select(e => e.ToString())));
        }

        _router = new Router(loaded.Config!, TimeProvider.System, NullLogger<Router>.Instance);
        _group = _router.ResolveGroup("glm-4.6") ?? throw new InvalidOperationException("no group");
        _request = new RouteRequest(null, null, 287);
        _ = AcquireAndRelease();
    }

    [GlobalCleanup]
    public void Cleanup() => _router!.Dispose();

    /// <summary>Acquire + release of one lease; the pick completes synchronously when a deployment has room.</summary>
    [Benchmark]
    public bool AcquireAndRelease()
    {
        var pending = _router!.AcquireAsync(_group!, _request, CancellationToken.None);
        var decision = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        using var lease = decision.Lease ?? throw new InvalidOperationException("no deployment: " + decision.Reason);
        return lease.Deployment is not null;
    }
}
