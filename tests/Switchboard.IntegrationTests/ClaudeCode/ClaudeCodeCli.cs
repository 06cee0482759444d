using System.Diagnostics;
using System.Text;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.ClaudeCode;

/// <summary>
/// Finds and runs the real Claude Code CLI (npm <c>@anthropic-ai/claude-code</c>, installed by scripts/install-claude-code.sh)
/// in print mode, with a throwaway HOME so that no user setting, login or history of this machine takes part.
/// </summary>
internal static class ClaudeCodeCli
{
    public static bool SkipRequested => Environment.GetEnvironmentVariable("SWITCHBOARD_SKIP_CLAUDE_CODE") == "1";

    /// <summary>SWITCHBOARD_CLAUDE_CODE_BIN, else the project-local install, else <c>claude</c> on PATH.</summary>
    public static string Locate()
    {
        if (Environment.GetEnvironmentVariable("SWITCHBOARD_CLAUDE_CODE_BIN") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"SWITCHBOARD_CLAUDE_CODE_BIN={configured} does not exist.");
        }

        var local = Path.Combine(RepoPaths.Root, ".artifacts", "claude-code", "bin", "claude");
        if (File.Exists(local))
        {
            return local;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "claude");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "The Claude Code CLI is not installed: run scripts/install-claude-code.sh (npm install of @anthropic-ai/claude-code into "
            + ".artifacts/claude-code), point SWITCHBOARD_CLAUDE_CODE_BIN at a claude binary, or set SWITCHBOARD_SKIP_CLAUDE_CODE=1 to skip these tests.");
    }

    /// <summary>Runs <c>claude -p prompt</c> in <paramref name="workDir"/> against the gateway; kills it (by PID, with its children) after <paramref name="timeout"/>.</summary>
    public static async Task<ClaudeCodeRun> RunAsync(Uri gateway, string workDir, string home, string prompt, TimeSpan timeout, params string[] extraArgs)
    {
        var start = new ProcessStartInfo(Locate())
        {
            WorkingDirectory = workDir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(prompt);
        foreach (var arg in extraArgs)
        {
            start.ArgumentList.Add(arg);
        }

        // Only what the run needs: no key, setting or proxy of the machine leaks in (the Process copies the parent's environment).
        var inherited = start.Environment.Keys.ToList();
        foreach (var name in inherited)
        {
            if (name is not ("PATH" or "LANG" or "LC_ALL" or "TMPDIR" or "TERM"))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["HOME"] = home;
        start.Environment["CLAUDE_CONFIG_DIR"] = Path.Combine(home, ".claude");
        start.Environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
        start.Environment["DISABLE_AUTOUPDATER"] = "1";
        start.Environment["ANTHROPIC_BASE_URL"] = gateway.ToString().TrimEnd('/');
        start.Environment["ANTHROPIC_AUTH_TOKEN"] = "sk-anything-the-gateway-has-no-master-key";
        start.Environment["ANTHROPIC_MODEL"] = "claude-sonnet-4-5-20250929";
        start.Environment["ANTHROPIC_DEFAULT_SONNET_MODEL"] = "claude-sonnet-4-5-20250929";
        start.Environment["ANTHROPIC_DEFAULT_OPUS_MODEL"] = "claude-opus-4-1-20250805";
        start.Environment["ANTHROPIC_DEFAULT_HAIKU_MODEL"] = "claude-haiku-4-5-20251001";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("claude did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        return new ClaudeCodeRun(process.ExitCode, await stdout, await stderr, timedOut);
    }

    /// <summary><c>claude --version</c>, e.g. <c>2.1.332 (Claude Code)</c>.</summary>
    public static async Task<string> VersionAsync()
    {
        var start = new ProcessStartInfo(Locate(), "--version") { RedirectStandardOutput = true, UseShellExecute = false };
        start.Environment["DISABLE_AUTOUPDATER"] = "1";
        using var process = Process.Start(start)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = await process.StandardOutput.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        return output.Trim();
    }
}

/// <summary>What one run printed and how it ended.</summary>
internal sealed record ClaudeCodeRun(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out, killed)" : "")}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
