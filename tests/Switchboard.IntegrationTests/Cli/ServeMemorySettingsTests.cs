using System.Diagnostics;
using System.Globalization;
using System.Text;
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
    private Process? _gateway;

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
        var output = StartGateway(config, RepoPaths.FreePort(), writeXorExecute);

        string? line = null;
        for (var i = 0; i < 600 && line is null; i++)
        {
            line = Text(output).Split('\n').FirstOrDefault(l => l.Contains("memory: ", StringComparison.Ordinal));
            if (line is null)
            {
                Assert.False(_gateway!.HasExited, "the gateway exited:\n" + Text(output));
                await Task.Delay(100);
            }
        }

        Assert.True(line is not null, "no memory line within 60 s; gateway output:\n" + Text(output));
        return line;
    }

    public void Dispose()
    {
        if (_gateway is { HasExited: false })
        {
            _gateway.Kill();
            _gateway.WaitForExit(10_000);
        }

        _gateway?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    /// <param name="writeXorExecute">DOTNET_EnableWriteXorExecute for the gateway; null: not set (the runtime's default, on).</param>
    private StringBuilder StartGateway(string config, int port, string? writeXorExecute)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "switchboard.dll"), "--config", config, "--port", port.ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        info.Environment.Remove("DOTNET_EnableWriteXorExecute");
        info.Environment.Remove("COMPlus_EnableWriteXorExecute");
        if (writeXorExecute is not null)
        {
            info.Environment["DOTNET_EnableWriteXorExecute"] = writeXorExecute;
        }

        _gateway = Process.Start(info)!;
        var output = new StringBuilder();
        _gateway.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _gateway.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _gateway.BeginOutputReadLine();
        _gateway.BeginErrorReadLine();
        return output;
    }
}
