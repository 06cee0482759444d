using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Cli;

/// <summary>
/// The gateway as its own process reports the memory settings in effect at start (docs/benchmarks.md, "Memory: the
/// collection when quiet"): the GC mode and gen0 budget as the runtime reports them, the collection when quiet
/// after a burst, which the serving process turns on, and whether the runtime double-maps its code (W^X).
/// </summary>
public sealed class ServeMemorySettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-memory-").FullName;
    private GatewayProcess? _gateway;

    [Fact]
    public async Task Serve_Started_ReportsGcSettingsAndQuietCollectionOn()
    {
        var line = await MemoryLineAsync(writeXorExecute: null);

        Assert.Contains("workstation, concurrent GC", line, StringComparison.Ordinal);
        Assert.Matches(@"gen0 budget \d+(\.\d)? MB", line);
        Assert.Contains("collection when quiet after a burst on", line, StringComparison.Ordinal);
        // The runtime's default, kept (docs/benchmarks.md, "Runtime knobs, per-stream buffers and AOT options"), probed:
        // its code is double-mapped.
        Assert.Contains("W^X on", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WriteXorExecuteOffInEnvironment_ReportsItOff()
    {
        // An operator's DOTNET_EnableWriteXorExecute=0: the probe sees the runtime's code mapped once.
        var line = await MemoryLineAsync(writeXorExecute: "0");

        Assert.Contains("W^X off", line, StringComparison.Ordinal);
    }

    private async Task<string> MemoryLineAsync(string? writeXorExecute)
    {
        var config = Path.Combine(_dir, "litellm-config.yaml");
        await File.WriteAllTextAsync(config, """
            model_list:
              - model_name: memory-pool
                litellm_params:
                  model: mock/glm-4.6
                  api_key: ok-memory-1

            """);
        // DOTNET_EnableWriteXorExecute for the gateway; null: not set, nor inherited (the runtime's default, on).
        var gateway = _gateway = GatewayProcess.Start(_dir, config, RepoPaths.FreePort(), environment: new Dictionary<string, string?>
        {
            ["DOTNET_EnableWriteXorExecute"] = writeXorExecute,
            ["COMPlus_EnableWriteXorExecute"] = null,
        });

        string? line = null;
        for (var i = 0; i < 600 && line is null; i++)
        {
            line = gateway.Output.Split('\n').FirstOrDefault(l => l.Contains("memory: ", StringComparison.Ordinal));
            if (line is null)
            {
                Assert.False(gateway.HasExited, "the gateway exited:\n" + gateway.Output);
                await Task.Delay(100);
            }
        }

        Assert.True(line is not null, "no memory line within 60 s; gateway output:\n" + gateway.Output);
        return line;
    }

    public void Dispose()
    {
        _gateway?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
