using System.Reflection;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Storage;
using Switchboard.Usage;

namespace Switchboard.Bench;

/// <summary>
/// The usage record handed to the writer's queue, as the proxy endpoint does it once per call (architecture decision 5):
/// the call's usage copied into the queue's struct (no record object), then <c>UsageSink.TryEnqueue</c>. The sink runs with its writer on a store that takes a
/// batch and discards it (the store's own cost is <see cref="UsageStoreBenchmarks"/>), so the queue never fills.
/// </summary>
[MemoryDiagnoser]
public class UsageEnqueueBenchmarks
{
    private UsageSink? _sink;
    private readonly string _callId = Guid.NewGuid().ToString("N");

    [GlobalSetup]
    public void Setup()
    {
        _sink = new UsageSink(DiscardingStore.Create(), TimeProvider.System, NullLogger<UsageSink>.Instance);
        _sink.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var dropped = _sink!.Dropped;
        _sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (dropped > 0)
        {
            Console.WriteLine($"// UsageEnqueueBenchmarks: {dropped} records dropped (queue full): the figure mixes in the refused path");
        }
    }

    [Benchmark]
    public bool Enqueue() => _sink!.TryEnqueue(new PendingUsage
    {
        Time = DateTimeOffset.UtcNow,
        RequestId = _callId,
        KeyHash = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
        KeyAlias = "bench",
        ModelGroup = "glm-4.6",
        DeploymentId = "glm-4.6-0001",
        UpstreamModel = "glm-4.6",
        HttpStatus = 200,
        PromptTokens = 287,
        CompletionTokens = 64,
        Cost = 0.000_238,
        LatencyMs = 1.25,
        Api = "openai",
    });

    /// <summary>An <see cref="IGatewayStore"/> that accepts usage batches and nothing else.</summary>
    public class DiscardingStore : DispatchProxy
    {
        internal static IGatewayStore Create() => Create<IGatewayStore, DiscardingStore>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IGatewayStore.WriteUsageAsync) => Task.CompletedTask,
            nameof(IAsyncDisposable.DisposeAsync) => ValueTask.CompletedTask,
            _ => throw new NotSupportedException(targetMethod?.Name),
        };
    }
}
