using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Switchboard.IntegrationTests.Infrastructure;

/// <summary>
/// The gateway as its own child process (<c>dotnet switchboard.dll --config … --port … --host 127.0.0.1</c>), for the tests
/// that need a real process: signals, a kill, its own standard output. Its output is captured (<see cref="Output"/>), or
/// appended to a file the way the start script does it; <see cref="Dispose"/> kills what is still running.
/// </summary>
internal sealed class GatewayProcess : IDisposable
{
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, int port)
    {
        Process = process;
        Port = port;
    }

    public Process Process { get; }

    public int Port { get; }

    public string BaseUrl => "http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public int Id => Process.Id;

    public bool HasExited => Process.HasExited;

    public int ExitCode => Process.ExitCode;

    /// <summary>What the process wrote to stdout and stderr so far (empty when its output goes to a file).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the gateway in <paramref name="workingDirectory"/> on <paramref name="config"/> and <paramref name="port"/>,
    /// with <paramref name="flags"/> after the usual ones. <paramref name="appendOutputTo"/>: stdout and stderr appended to
    /// that file by the shell (<c>exec dotnet … &gt;&gt;FILE 2&gt;&amp;1</c>, as the start script does), else captured.
    /// <paramref name="underNohup"/>: started through <c>nohup</c> as the start script starts it (SIGHUP ignored from the
    /// start; nohup execs, so the pid is still the gateway's). <paramref name="environment"/>: variables set for it; a null
    /// value removes one it would inherit from the test process.
    /// </summary>
    public static GatewayProcess Start(string workingDirectory, string config, int port, IEnumerable<string>? flags = null,
        string? appendOutputTo = null, IReadOnlyDictionary<string, string?>? environment = null, bool underNohup = false)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "switchboard.dll");
        string[] args = [dll, "--config", config, "--port", port.ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1", .. flags ?? []];
        ProcessStartInfo info;
        if (appendOutputTo is null)
        {
            info = underNohup
                ? new ProcessStartInfo("nohup", ["dotnet", .. args]) { RedirectStandardOutput = true, RedirectStandardError = true }
                : new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        }
        else
        {
            // exec: the shell becomes dotnet, so the pid signalled is the gateway's.
            var command = (underNohup ? "exec nohup dotnet " : "exec dotnet ") + string.Join(' ', args.Select(Quote)) + " >>" + Quote(appendOutputTo) + " 2>&1";
            info = new ProcessStartInfo("/bin/sh", ["-c", command]);
        }

        info.WorkingDirectory = workingDirectory;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var gateway = new GatewayProcess(Process.Start(info)!, port);
        if (appendOutputTo is null)
        {
            gateway.Process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
            gateway.Process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
            gateway.Process.BeginOutputReadLine();
            gateway.Process.BeginErrorReadLine();
        }

        return gateway;
    }

    /// <summary>
    /// Polls <paramref name="path"/> every 100 ms until it answers 2xx (and its body satisfies <paramref name="accept"/>),
    /// within <paramref name="timeout"/>: the gateway's own start may take long on a loaded machine. A process that exits
    /// first fails at once, with its output.
    /// </summary>
    public async Task WaitReadyAsync(HttpClient client, TimeSpan timeout, string path = "/health/readiness", Func<string, bool>? accept = null)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"the gateway exited ({Process.ExitCode}) before it was ready:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(BaseUrl + path);
                if (response.IsSuccessStatusCode && (accept is null || accept(await response.Content.ReadAsStringAsync())))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the gateway was not ready after {waited.Elapsed}:\n{Output}");
    }

    /// <summary>Sends a signal by name (TERM, HUP, …) with kill(1) and waits for kill itself to finish.</summary>
    public async Task SignalAsync(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, Id.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGKILL: no shutdown, no goodbye.</summary>
    public void Kill() => Process.Kill();

    /// <summary>Waits for the process to end; throws (OperationCanceledException) past <paramref name="timeout"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await Process.WaitForExitAsync(cancel.Token);
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit(10_000);
        }

        Process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static string Quote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
