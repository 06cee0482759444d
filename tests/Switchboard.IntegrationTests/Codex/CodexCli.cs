using System.Diagnostics;
using System.Globalization;
using System.Text;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Codex;

/// <summary>
/// Finds and runs the real Codex CLI (npm <c>@openai/codex</c>, installed by scripts/install-codex.sh) as
/// <c>codex exec</c>, with a throwaway <c>CODEX_HOME</c> whose config.toml points a custom provider
/// (<c>wire_api = "responses"</c>) at the gateway, so that no user setting, login or history of this machine takes part.
/// </summary>
internal static class CodexCli
{
    public static bool SkipRequested => Environment.GetEnvironmentVariable("SWITCHBOARD_SKIP_CODEX") == "1";

    /// <summary>The project-local install of <paramref name="version"/>: .artifacts/codex/VERSION/bin/codex.</summary>
    public static string Locate(string version)
    {
        var local = Path.Combine(RepoPaths.Root, ".artifacts", "codex", version, "bin", "codex");
        return File.Exists(local)
            ? local
            : throw new InvalidOperationException(
                $"Codex {version} is not installed at {local}: run scripts/install-codex.sh (npm install of @openai/codex into "
                + ".artifacts/codex/VERSION for every version in Codex/codex-versions.txt), or set SWITCHBOARD_SKIP_CODEX=1 to skip these tests.");
    }

    /// <summary>The config.toml a user writes (README, "Codex CLI"): a custom provider on the gateway's /v1.</summary>
    public static string ConfigToml(Uri gateway, string model) => string.Create(CultureInfo.InvariantCulture, $"""
        model = "{model}"
        model_provider = "switchboard"

        [model_providers.switchboard]
        name = "Switchboard"
        base_url = "{gateway.ToString().TrimEnd('/')}/v1"
        env_key = "SWITCHBOARD_API_KEY"
        wire_api = "responses"
        """);

    /// <summary>
    /// Runs <c>codex exec PROMPT</c> in <paramref name="workDir"/>: no git repository needed, no approvals, no sandbox (the
    /// test's own shell command is harmless, and a container may not allow Codex's sandbox). Killed (by PID, with its
    /// children) after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<CodexRun> RunAsync(string version, Uri gateway, string model, string workDir, string home, string prompt, TimeSpan timeout)
    {
        var codexHome = Path.Combine(home, ".codex");
        Directory.CreateDirectory(codexHome);
        await File.WriteAllTextAsync(Path.Combine(codexHome, "config.toml"), ConfigToml(gateway, model));
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
        foreach (var arg in (string[])["exec", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", prompt])
        {
            start.ArgumentList.Add(arg);
        }

        // Only what the run needs: no key, setting or proxy of the machine leaks in (the Process copies the parent's environment).
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name is not ("PATH" or "LANG" or "LC_ALL" or "TMPDIR" or "TERM"))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["HOME"] = home;
        start.Environment["CODEX_HOME"] = codexHome;
        start.Environment["SWITCHBOARD_API_KEY"] = "sk-anything-the-gateway-has-no-master-key";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("codex did not start");
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

        return new CodexRun(process.ExitCode, await stdout, await stderr, timedOut);
    }
}

/// <summary>What one run printed and how it ended.</summary>
internal sealed record CodexRun(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out, killed)" : "")}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
