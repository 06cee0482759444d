using System.Diagnostics;
using System.Text;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.GeminiCli;

/// <summary>
/// Finds and runs the real Gemini CLI (npm <c>@google/gemini-cli</c>, installed by scripts/install-gemini-cli.sh) in
/// <c>-p</c> mode, with a throwaway HOME holding only the settings a user of a gateway writes, so that no login, setting or
/// history of this machine takes part and nothing phones home (no internet here: telemetry, usage statistics and update
/// checks are off).
/// </summary>
internal static class GeminiCliRunner
{
    public static bool SkipRequested => Environment.GetEnvironmentVariable("SWITCHBOARD_SKIP_GEMINI_CLI") == "1";

    /// <summary>What a user writes to <c>~/.gemini/settings.json</c> to use an API key against a custom base URL.</summary>
    public const string Settings = """
        {
          "security": { "auth": { "selectedType": "gemini-api-key" } },
          "privacy": { "usageStatisticsEnabled": false },
          "telemetry": { "enabled": false },
          "general": { "disableAutoUpdate": true, "disableUpdateNag": true }
        }
        """;

    /// <summary>The project-local install of <paramref name="version"/>: .artifacts/gemini-cli/VERSION/bin/gemini.</summary>
    public static string Locate(string version)
    {
        var local = Path.Combine(RepoPaths.Root, ".artifacts", "gemini-cli", version, "bin", "gemini");
        return File.Exists(local)
            ? local
            : throw new InvalidOperationException(
                $"Gemini CLI {version} is not installed at {local}: run scripts/install-gemini-cli.sh (npm install of @google/gemini-cli "
                + "into .artifacts/gemini-cli/VERSION for every version in GeminiCli/gemini-cli-versions.txt), or set SWITCHBOARD_SKIP_GEMINI_CLI=1 to skip these tests.");
    }

    /// <summary>
    /// Runs Gemini CLI <paramref name="version"/> as <c>gemini -p prompt</c> in <paramref name="workDir"/> against the gateway;
    /// kills it (by PID, with its children) after <paramref name="timeout"/>. <paramref name="model"/> null runs it as a user
    /// who names no model (it asks for its own Gemini models); otherwise <c>-m model</c>.
    /// </summary>
    public static async Task<GeminiCliRun> RunAsync(string version, Uri gateway, string workDir, string home, string prompt, string? model, TimeSpan timeout)
    {
        Directory.CreateDirectory(Path.Combine(home, ".gemini"));
        await File.WriteAllTextAsync(Path.Combine(home, ".gemini", "settings.json"), Settings);
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
        if (model is not null)
        {
            start.ArgumentList.Add("-m");
            start.ArgumentList.Add(model);
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
        start.Environment["GOOGLE_GEMINI_BASE_URL"] = gateway.ToString().TrimEnd('/');
        start.Environment["GEMINI_API_KEY"] = "sk-anything-the-gateway-has-no-master-key";
        start.Environment["GEMINI_CLI_TRUST_WORKSPACE"] = "true";
        start.Environment["NO_BROWSER"] = "true";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("gemini did not start");
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

        return new GeminiCliRun(process.ExitCode, await stdout, await stderr, timedOut);
    }
}

/// <summary>What one run printed and how it ended.</summary>
internal sealed record GeminiCliRun(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out, killed)" : "")}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>The Gemini CLI versions the end-to-end tests run: gemini-cli-versions.txt beside this file (SWITCHBOARD_GEMINI_CLI_VERSIONS overrides it).</summary>
internal static class GeminiCliVersions
{
    public static IReadOnlyList<string> All { get; } =
        Environment.GetEnvironmentVariable("SWITCHBOARD_GEMINI_CLI_VERSIONS") is { Length: > 0 } configured
            ? configured.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [.. File.ReadLines(Path.Combine(RepoPaths.Root, "tests", "Switchboard.IntegrationTests", "GeminiCli", "gemini-cli-versions.txt"))
                .Select(line => (line.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? line[..hash] : line).Trim())
                .Where(line => line.Length > 0)];
}

/// <summary>A theory that runs the real Gemini CLI; skipped only when <c>SWITCHBOARD_SKIP_GEMINI_CLI=1</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class GeminiCliTheoryAttribute : TheoryAttribute
{
    public GeminiCliTheoryAttribute()
    {
        if (GeminiCliRunner.SkipRequested)
        {
            Skip = "SWITCHBOARD_SKIP_GEMINI_CLI=1";
        }
    }
}
