using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.GeminiCli;

/// <summary>
/// The real Gemini CLI (npm <c>@google/gemini-cli</c>) in <c>-p</c> mode, with a throwaway HOME holding only the settings
/// a user of a gateway writes, so that nothing phones home (no internet here: telemetry, usage statistics and update
/// checks are off).
/// </summary>
internal static class GeminiCliRunner
{
    public static NpmCli Tool { get; } = new("Gemini CLI", "@google/gemini-cli", "GEMINI_CLI", "gemini-cli", "gemini", "GeminiCli/gemini-cli-versions.txt");

    /// <summary>What a user writes to <c>~/.gemini/settings.json</c> to use an API key against a custom base URL.</summary>
    public const string Settings = """
        {
          "security": { "auth": { "selectedType": "gemini-api-key" } },
          "privacy": { "usageStatisticsEnabled": false },
          "telemetry": { "enabled": false },
          "general": { "disableAutoUpdate": true, "disableUpdateNag": true }
        }
        """;

    /// <summary>
    /// Runs Gemini CLI <paramref name="version"/> as <c>gemini -p prompt</c> in <paramref name="workDir"/> against the gateway;
    /// kills it (by PID, with its children) after <paramref name="timeout"/>. <paramref name="model"/> null runs it as a user
    /// who names no model (it asks for its own Gemini models); otherwise <c>-m model</c>.
    /// </summary>
    public static async Task<CliRun> RunAsync(string version, Uri gateway, string workDir, string home, string prompt, string? model, TimeSpan timeout)
    {
        Directory.CreateDirectory(Path.Combine(home, ".gemini"));
        await File.WriteAllTextAsync(Path.Combine(home, ".gemini", "settings.json"), Settings);
        var environment = new Dictionary<string, string>
        {
            ["GOOGLE_GEMINI_BASE_URL"] = gateway.ToString().TrimEnd('/'),
            ["GEMINI_API_KEY"] = "sk-anything-the-gateway-has-no-master-key",
            ["GEMINI_CLI_TRUST_WORKSPACE"] = "true",
            ["NO_BROWSER"] = "true",
        };
        string[] arguments = model is null ? ["-p", prompt] : ["-p", prompt, "-m", model];
        return await Tool.RunAsync(version, workDir, home, arguments, environment, timeout);
    }
}

/// <summary>A theory that runs the real Gemini CLI; skipped only when <c>SWITCHBOARD_SKIP_GEMINI_CLI=1</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class GeminiCliTheoryAttribute() : NpmCliTheoryAttribute(GeminiCliRunner.Tool);
