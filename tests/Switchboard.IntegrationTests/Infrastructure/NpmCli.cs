using System.Diagnostics;
using System.Text;

namespace Switchboard.IntegrationTests.Infrastructure;

/// <summary>
/// A coding CLI from npm that the end-to-end tests run, as a user would, as a child process against the gateway: every
/// version in its versions file (tests/Switchboard.IntegrationTests/FOLDER/FILE; <c>SWITCHBOARD_ID_VERSIONS</c>, space or
/// comma separated, overrides it), each installed by scripts/install-npm-cli.sh (which scripts/install-test-deps.sh
/// calls) into .artifacts/FOLDER/VERSION. <c>SWITCHBOARD_SKIP_ID=1</c> skips its tests and its install; otherwise a
/// version that is not installed fails its tests, so that a CI whose install broke does not pass by skipping them.
/// </summary>
internal sealed class NpmCli
{
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(15);
    private readonly string _artifacts;
    private readonly string _binary;
    private readonly string _versionsFile;

    /// <param name="name">What users call it, for messages: "Claude Code".</param>
    /// <param name="package">The npm package: "@anthropic-ai/claude-code".</param>
    /// <param name="id">The environment variables' part: "CLAUDE_CODE" for SWITCHBOARD_SKIP_CLAUDE_CODE and SWITCHBOARD_CLAUDE_CODE_VERSIONS.</param>
    /// <param name="artifacts">The install folder under .artifacts: "claude-code".</param>
    /// <param name="binary">The command the package installs: "claude".</param>
    /// <param name="versionsFile">The list, relative to the integration tests' folder: "ClaudeCode/claude-code-versions.txt".</param>
    public NpmCli(string name, string package, string id, string artifacts, string binary, string versionsFile)
    {
        Name = name;
        Package = package;
        SkipVariable = $"SWITCHBOARD_SKIP_{id}";
        _artifacts = artifacts;
        _binary = binary;
        _versionsFile = Path.Combine("tests", "Switchboard.IntegrationTests", versionsFile);
        Listed = ReadList(Path.Combine(RepoPaths.Root, _versionsFile));
        Versions = Environment.GetEnvironmentVariable($"SWITCHBOARD_{id}_VERSIONS") is { Length: > 0 } configured
            ? configured.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : Listed;
    }

    public string Name { get; }

    public string Package { get; }

    public string SkipVariable { get; }

    public bool SkipRequested => Environment.GetEnvironmentVariable(SkipVariable) == "1";

    /// <summary>The versions in the versions file.</summary>
    public IReadOnlyList<string> Listed { get; }

    /// <summary>The versions this run uses: the override variable's, else <see cref="Listed"/>.</summary>
    public IReadOnlyList<string> Versions { get; }

    /// <summary>The project-local install of <paramref name="version"/>: .artifacts/FOLDER/VERSION/bin/BINARY.</summary>
    public string Locate(string version)
    {
        var local = Path.Combine(RepoPaths.Root, ".artifacts", _artifacts, version, "bin", _binary);
        return File.Exists(local)
            ? local
            : throw new InvalidOperationException(
                $"{Name} {version} is not installed at {local}: run scripts/install-test-deps.sh (it runs scripts/install-npm-cli.sh {Package} "
                + $"{_versionsFile} .artifacts/{_artifacts}, an npm install of every listed version), or set {SkipVariable}=1 to skip these tests.");
    }

    /// <summary>
    /// Runs <paramref name="version"/> with <paramref name="arguments"/> in <paramref name="workDir"/>, stdin closed, with
    /// <paramref name="home"/> as HOME and only <paramref name="environment"/> besides PATH and the locale: no key, setting
    /// or proxy of this machine leaks in (a child copies its parent's environment). After <paramref name="timeout"/> it is
    /// killed, by PID, with its children. Its output is what it printed until its stdout and stderr closed, or until
    /// a grace period after it ended (a child it left behind may hold them open).
    /// </summary>
    public async Task<CliRun> RunAsync(
        string version, string workDir, string home, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Locate(version))
        {
            WorkingDirectory = workDir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name is not ("PATH" or "LANG" or "LC_ALL" or "TMPDIR" or "TERM"))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["HOME"] = home;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{_binary} did not start");
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var reading = Task.WhenAll(DrainAsync(process.StandardOutput, stdout), DrainAsync(process.StandardError, stderr));
        var timedOut = false;
        using (var deadline = new CancellationTokenSource(timeout))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        var outputCut = false;
        try
        {
            await reading.WaitAsync(OutputGrace);
        }
        catch (TimeoutException)
        {
            outputCut = true;
        }

        lock (stdout)
        {
            lock (stderr)
            {
                return new CliRun(process.ExitCode, stdout.ToString(), stderr.ToString(), timedOut, outputCut);
            }
        }
    }

    /// <summary><c>BINARY --version</c> as printed (trimmed), run with a throwaway HOME.</summary>
    public async Task<string> VersionAsync(string version, IReadOnlyDictionary<string, string> environment)
    {
        var home = Directory.CreateTempSubdirectory("switchboard-cli-version-").FullName;
        try
        {
            var run = await RunAsync(version, home, home, ["--version"], environment, TimeSpan.FromSeconds(60));
            Assert.True(run is { TimedOut: false, ExitCode: 0 }, run.ToString());
            return run.Stdout.Trim();
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>Copies what <paramref name="reader"/> yields into <paramref name="sink"/> until it ends or the process is disposed.</summary>
    private static async Task DrainAsync(StreamReader reader, StringBuilder sink)
    {
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                lock (sink)
                {
                    sink.Append(buffer, 0, read);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The run was given up on (a child outlived the CLI and held the pipe): what came is kept.
        }
    }

    private static List<string> ReadList(string path) =>
        [.. File.ReadLines(path)
            .Select(line => (line.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? line[..hash] : line).Trim())
            .Where(line => line.Length > 0)];
}

/// <summary>What one run printed and how it ended.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr, bool TimedOut, bool OutputCut = false)
{
    public override string ToString() =>
        $"exit {ExitCode}{(TimedOut ? " (timed out, killed)" : "")}{(OutputCut ? " (output still open after it ended: cut)" : "")}"
        + $"\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
