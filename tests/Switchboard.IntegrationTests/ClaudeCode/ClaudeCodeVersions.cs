using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.ClaudeCode;

/// <summary>
/// The Claude Code versions the end-to-end tests run: claude-code-versions.txt beside this file, the list
/// scripts/install-claude-code.sh installs (SWITCHBOARD_CLAUDE_CODE_VERSIONS overrides both).
/// </summary>
internal static class ClaudeCodeVersions
{
    /// <summary>The versions in claude-code-versions.txt.</summary>
    public static IReadOnlyList<string> Listed { get; } = ReadList();

    /// <summary>The versions this run uses: SWITCHBOARD_CLAUDE_CODE_VERSIONS (space or comma separated), else <see cref="Listed"/>.</summary>
    public static IReadOnlyList<string> All { get; } =
        Environment.GetEnvironmentVariable("SWITCHBOARD_CLAUDE_CODE_VERSIONS") is { Length: > 0 } configured
            ? configured.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : Listed;

    private static List<string> ReadList()
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "Switchboard.IntegrationTests", "ClaudeCode", "claude-code-versions.txt");
        return [.. File.ReadLines(path)
            .Select(line => (line.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? line[..hash] : line).Trim())
            .Where(line => line.Length > 0)];
    }
}
