using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.ClaudeCode;

/// <summary>
/// The real Claude Code CLI (npm <c>@anthropic-ai/claude-code</c>) in print mode, <c>claude -p prompt</c>, pointed at the
/// gateway by <c>ANTHROPIC_BASE_URL</c>, with its config folder in the throwaway HOME.
/// </summary>
internal static class ClaudeCodeCli
{
    /// <summary>Claude Code would otherwise look for a newer version of itself.</summary>
    private static readonly Dictionary<string, string> NoUpdater = new() { ["DISABLE_AUTOUPDATER"] = "1" };

    public static NpmCli Tool { get; } =
        new("Claude Code", "@anthropic-ai/claude-code", "CLAUDE_CODE", "claude-code", "claude", "ClaudeCode/claude-code-versions.txt");

    /// <summary>
    /// Runs Claude Code <paramref name="version"/> as <c>claude -p prompt</c> in <paramref name="workDir"/> against the gateway;
    /// kills it (by PID, with its children) after <paramref name="timeout"/>. <paramref name="model"/> null runs it as a user
    /// who sets no model (Claude Code asks for its default Claude model); otherwise it is <c>ANTHROPIC_MODEL</c>.
    /// </summary>
    public static Task<CliRun> RunAsync(string version, Uri gateway, string workDir, string home, string prompt, string? model, TimeSpan timeout, params string[] extraArgs)
    {
        var environment = new Dictionary<string, string>(NoUpdater)
        {
            ["CLAUDE_CONFIG_DIR"] = Path.Combine(home, ".claude"),
            ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
            ["ANTHROPIC_BASE_URL"] = gateway.ToString().TrimEnd('/'),
            ["ANTHROPIC_AUTH_TOKEN"] = "sk-anything-the-gateway-has-no-master-key",
        };
        if (model is not null)
        {
            environment["ANTHROPIC_MODEL"] = model;
        }

        return Tool.RunAsync(version, workDir, home, ["-p", prompt, .. extraArgs], environment, timeout);
    }

    /// <summary><c>claude --version</c>, e.g. <c>2.1.332 (Claude Code)</c>.</summary>
    public static Task<string> VersionAsync(string version) => Tool.VersionAsync(version, NoUpdater);
}

/// <summary>A theory that runs the real Claude Code CLI; skipped only when <c>SWITCHBOARD_SKIP_CLAUDE_CODE=1</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ClaudeCodeTheoryAttribute() : NpmCliTheoryAttribute(ClaudeCodeCli.Tool);
