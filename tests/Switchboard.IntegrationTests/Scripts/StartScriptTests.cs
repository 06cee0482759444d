using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Scripts;

/// <summary>The guide's script, run for real: it builds, starts the gateway in the background, and stops only its own pid.</summary>
public sealed class StartScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-script-").FullName;
    private readonly int _port = RepoPaths.FreePort();
    private readonly Dictionary<string, string> _environment = [];

    [Fact]
    public async Task Script_PortInUse_FailsWithClearMessage()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, _port);
        squatter.Start();
        var start = await RunAsync("start");
        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains($"port {_port} is already in use", start.Output, StringComparison.Ordinal);
        Assert.Contains("lsof -i :" + _port, start.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(PidFile));
    }

    [Fact]
    public async Task Script_UnknownPublishMode_FailsBeforeBuilding()
    {
        _environment["SWITCHBOARD_PUBLISH"] = "fast";
        var start = await RunAsync("start");
        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains("SWITCHBOARD_PUBLISH is 'fast'; use aot, r2r or jit", start.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Building", start.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(PidFile));
    }

    private string PidFile => Path.Combine(_dir, "proxy.pid");

    private string LogFile => Path.Combine(_dir, "proxy.log");

    [Fact]
    public async Task Script_FreshCheckout_BuildsStartsServesStatusRestartStop()
    {
        // What a user gets from a clone (the tracked tree: no bin/, obj/ or .artifacts/), with the config that comes with it:
        // the script publishes the mode it ships (Native AOT; docs/benchmarks.md, "The start script ships Native AOT") from
        // scratch and serves, with no fallback to JIT: the binary that answers is the one the script ships. Then the whole
        // cycle on that binary (one publish for all: it takes one to two minutes on CI, several on a loaded machine).
        var checkout = Path.Combine(_dir, "checkout");
        CopyCheckout(RepoPaths.Root, checkout);

        var start = await RunAsync("start", checkout, config: null, TimeSpan.FromMinutes(15));
        Assert.True(start.ExitCode == 0, start.Output);
        Assert.Contains("Building Switchboard (Release, Native AOT)", start.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("building JIT instead", start.Output, StringComparison.Ordinal);
        Assert.Contains("demo", start.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(checkout, ".artifacts", "publish", "switchboard")), start.Output);
        // A native executable, not the apphost of a switchboard.dll the runtime would load.
        Assert.False(File.Exists(Path.Combine(checkout, ".artifacts", "publish", "switchboard.dll")), start.Output);

        using var client = new HttpClient();
        var answer = await client.PostAsync($"http://127.0.0.1:{_port}/v1/chat/completions",
            new StringContent("""{"model":"glm-pool","messages":[{"role":"user","content":"Hello!"}]}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("\"choices\"", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var status = await RunAsync("status", checkout, config: null);
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Contains($"port:   {_port}", status.Output, StringComparison.Ordinal);
        Assert.Contains("demo-config.yaml", status.Output, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"healthy\"", status.Output, StringComparison.Ordinal);
        var firstPid = File.ReadAllLines(PidFile)[0];

        // Nothing changed since the publish: the restart reuses the binary.
        var restart = await RunAsync("restart", checkout, config: null);
        Assert.True(restart.ExitCode == 0, restart.Output);
        Assert.DoesNotContain("Building", restart.Output, StringComparison.Ordinal);
        Assert.NotEqual(firstPid, File.ReadAllLines(PidFile)[0]);

        var stop = await RunAsync("stop", checkout, config: null);
        Assert.True(stop.ExitCode == 0, stop.Output);
        Assert.False(File.Exists(PidFile));
        var after = await RunAsync("status", checkout, config: null);
        Assert.NotEqual(0, after.ExitCode);
        Assert.Contains("not running", after.Output, StringComparison.Ordinal);
        var log = await File.ReadAllTextAsync(LogFile);
        Assert.Contains("POST /v1/chat/completions 200 model=glm-pool", log, StringComparison.Ordinal);
        // The runtime settings the published gateway runs with (architecture decision 15), as it reports them at start.
        Assert.Contains("memory: workstation, concurrent GC", log, StringComparison.Ordinal);
        Assert.Contains("W^X not needed (Native AOT", log, StringComparison.Ordinal);
    }

    /// <summary>The files a clone has: sources, scripts, examples and the root build files; never build output.</summary>
    private static void CopyCheckout(string root, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "Switchboard.sln", ".editorconfig" })
        {
            if (File.Exists(Path.Combine(root, file)))
            {
                File.Copy(Path.Combine(root, file), Path.Combine(target, file));
            }
        }

        foreach (var folder in new[] { "src", "scripts", "examples" })
        {
            CopyTree(Path.Combine(root, folder), Path.Combine(target, folder));
        }

        static void CopyTree(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (var file in Directory.EnumerateFiles(from))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }

            foreach (var dir in Directory.EnumerateDirectories(from))
            {
                if (Path.GetFileName(dir) is not ("bin" or "obj" or ".artifacts"))
                {
                    CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
                }
            }
        }
    }

    private Task<(int ExitCode, string Output)> RunAsync(string verb) =>
        RunAsync(verb, RepoPaths.Root, Path.Combine(RepoPaths.Root, "examples", "demo-config.yaml"));

    // "start" publishes the gateway first when .artifacts/publish is missing or stale: over 5 min on a loaded machine
    // pinned to one core.
    private Task<(int ExitCode, string Output)> RunAsync(string verb, string root, string? config) => RunAsync(verb, root, config, TimeSpan.FromMinutes(10));

    private async Task<(int ExitCode, string Output)> RunAsync(string verb, string root, string? config, TimeSpan limit)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "start-litellm-proxy.sh"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        info.Environment["LITELLM_PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["LITELLM_PID_FILE"] = PidFile;
        info.Environment["LITELLM_LOG_FILE"] = LogFile;
        if (config is not null)
        {
            info.Environment["LITELLM_CONFIG"] = config;
        }

        info.Environment["LITELLM_HOST"] = "127.0.0.1";
        foreach (var (name, value) in _environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        // Never leave a gateway behind, whatever the test did; only the pid this test's script wrote.
        if (File.Exists(PidFile) && int.TryParse(File.ReadAllLines(PidFile)[0], out var pid))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
            }
        }

        Directory.Delete(_dir, recursive: true);
    }
}
