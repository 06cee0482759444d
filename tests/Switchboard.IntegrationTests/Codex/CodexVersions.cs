using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Codex;

/// <summary>
/// The Codex CLI versions the end-to-end tests run: codex-versions.txt beside this file, the list scripts/install-codex.sh
/// installs (SWITCHBOARD_CODEX_VERSIONS overrides both).
/// </summary>
internal static class CodexVersions
{
    public static IReadOnlyList<string> All { get; } =
        Environment.GetEnvironmentVariable("SWITCHBOARD_CODEX_VERSIONS") is { Length: > 0 } configured
            ? configured.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : ReadList();

    private static List<string> ReadList()
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "Switchboard.IntegrationTests", "Codex", "codex-versions.txt");
        return [.. File.ReadLines(path)
            .Select(line => (line.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? line[..hash] : line).Trim())
            .Where(line => line.Length > 0)];
    }
}

/// <summary>A test that runs the real Codex CLI; skipped only when <c>SWITCHBOARD_SKIP_CODEX=1</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CodexTheoryAttribute : TheoryAttribute
{
    public CodexTheoryAttribute()
    {
        if (CodexCli.SkipRequested)
        {
            Skip = "SWITCHBOARD_SKIP_CODEX=1";
        }
    }
}
