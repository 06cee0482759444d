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

    /// <summary>The project-local install of <paramref name="version"/>: .artifacts/claude-code/VERSION/bin/claude.</summary>
    public static string Locate(string version)
    {
        var local = Path.Combine(RepoPaths.Root, ".artifacts", "claude-code", version, "bin", "claude");
        return File.Exists(local)
            ? local
            : throw new InvalidOperationException(
                $"Claude Code {version} is not installed at {local}: run scripts/install-claude-code.sh (npm install of @anthropic-ai/claude-code "
                + "into .artifacts/claude-code/VERSION for every version in ClaudeCode/claude-code-versions.txt), or set SWITCHBOARD_SKIP_CLAUDE_CODE=1 to skip these tests.");
    }

    /// <summary>
    /// Runs Claude Code <paramref name="version"/> as <c>claude -p prompt</c> in <paramref name="workDir"/> against the gateway;
    /// kills it (by PID, with its children) after <paramref name="timeout"/>. <paramref name="model"/> null runs it as a user
    /// who sets no model (Claude Code asks for its default Claude model); otherwise it is <c>ANTHROPIC_MODEL</c>.
    /// </summary>
    public static async Task<ClaudeCodeRun> RunAsync(string version, Uri gateway, string workDir, string home, string prompt, string? model, TimeSpan timeout, params string[] extraArgs)
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
        if (model is not null)
        {
            start.Environment["ANTHROPIC_MODEL"] = model;
        }

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
    public static async Task<string> VersionAsync(string version)
    {
        var start = new ProcessStartInfo(Locate(version), "--version") { RedirectStandardOutput = true, UseShellExecute = false };
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
