using System.Diagnostics.Tracing;

namespace Switchboard.Bench;

/// <summary>
/// Where the proxy path's bytes go, by type: the runtime's allocation samples (one per ~100 KB allocated, with the type
/// that crossed the mark) while <see cref="ProxyPathBenchmarks.NonStreamCall"/> runs in a loop, in this process.
/// usage: dotnet run -c Release --project bench/Switchboard.Bench -- proxy-alloc [calls, default 100000]
/// </summary>
internal static class AllocationSampler
{
    public static int Run(string[] args)
    {
        var calls = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var bench = new ProxyPathBenchmarks();
        bench.Setup();
        try
        {
            using var listener = new Listener();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var asynchronous = 0;
            for (var i = 0; i < calls; i++)
            {
                asynchronous += bench.NonStreamCallCompletedAsynchronously() ? 1 : 0;
            }

            Console.WriteLine($"{watch.Elapsed.TotalMicroseconds / calls:0.0} µs per call; {asynchronous} of {calls} calls completed asynchronously");

            var total = GC.GetTotalAllocatedBytes(precise: true) - before;
            listener.Dispose();
            Console.WriteLine($"{calls} calls, {total / (double)calls:0} B per call (whole process); the stream variant has {bench.StreamEvents} upstream events");
            var sampled = listener.Bytes.Values.Sum();
            foreach (var (type, bytes) in listener.Bytes.OrderByDescending(p => p.Value).Take(40))
            {
                Console.WriteLine($"{bytes * 100.0 / sampled,6:0.0} %  {bytes * (total / (double)sampled) / calls,7:0} B/call  {type}");
            }
        }
        finally
        {
            bench.Cleanup();
        }

        return 0;
    }

    private sealed class Listener : EventListener
    {
        private readonly Lock _gate = new();

        public Dictionary<string, long> Bytes { get; } = [];

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
            {
                return;
            }

            var type = eventData.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
            var amount = eventData.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(eventData.Payload[a], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
            lock (_gate)
            {
                Bytes[type] = Bytes.GetValueOrDefault(type) + amount;
            }
        }
    }
}
