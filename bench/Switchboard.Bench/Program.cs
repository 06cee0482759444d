using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

if (args is ["pool", ..])
{
    return await Switchboard.Bench.PoolBench.RunAsync();
}

if (args is ["dashboard", ..])
{
    return await Switchboard.Bench.DashboardBench.RunAsync(args);
}

if (args is ["usage-cpu", ..])
{
    return await Switchboard.Bench.UsageStoreCpu.RunAsync(args);
}

if (args is ["proxy-alloc", ..])
{
    return Switchboard.Bench.AllocationSampler.Run(args);
}

if (args is ["soak", _, _, _, ..])
{
    return await Switchboard.Bench.Soak.RunAsync(args);
}

// In-process: the generated benchmark project would inherit this repository's strict build rules and fail on them;
// allocation figures (what bench/allocations.json checks) are exact either way.
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
    .AddExporter(JsonExporter.Brief);
BenchmarkSwitcher.FromAssembly(typeof(Switchboard.Bench.BenchBodies).Assembly).Run(args, config);
return 0;
