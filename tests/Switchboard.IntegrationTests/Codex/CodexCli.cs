using System.Globalization;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Codex;

/// <summary>
/// The real Codex CLI (npm <c>@openai/codex</c>) as <c>codex exec</c>, with a throwaway <c>CODEX_HOME</c> whose
/// config.toml points a custom provider (<c>wire_api = "responses"</c>) at the gateway.
/// </summary>
internal static class CodexCli
{
    public static NpmCli Tool { get; } = new("Codex", "@openai/codex", "CODEX", "codex", "codex", "Codex/codex-versions.txt");

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
    public static async Task<CliRun> RunAsync(string version, Uri gateway, string model, string workDir, string home, string prompt, TimeSpan timeout)
    {
        var codexHome = Path.Combine(home, ".codex");
        Directory.CreateDirectory(codexHome);
        await File.WriteAllTextAsync(Path.Combine(codexHome, "config.toml"), ConfigToml(gateway, model));
        var environment = new Dictionary<string, string>
        {
            ["CODEX_HOME"] = codexHome,
            ["SWITCHBOARD_API_KEY"] = "sk-anything-the-gateway-has-no-master-key",
        };
        return await Tool.RunAsync(
            version, workDir, home, ["exec", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", prompt], environment, timeout);
    }
}

/// <summary>A theory that runs the real Codex CLI; skipped only when <c>SWITCHBOARD_SKIP_CODEX=1</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CodexTheoryAttribute() : NpmCliTheoryAttribute(CodexCli.Tool);
