using Xunit.Abstractions;

namespace Switchboard.IntegrationTests.ClaudeCode;

/// <summary>scripts/install-test-deps.sh installed every listed Claude Code version where the end-to-end tests look for it.</summary>
public sealed class ClaudeCodeCliTests(ITestOutputHelper output)
{
    public static TheoryData<string> Versions() => [.. ClaudeCodeCli.Tool.Versions];

    /// <summary>Issue 10: CI runs 2.1.197 (users keep old versions for months) and a newer one.</summary>
    [Fact]
    public void Listed_HoldsTheOldVersionAndANewerOne()
    {
        Assert.Contains("2.1.197", ClaudeCodeCli.Tool.Listed);
        Assert.Contains(ClaudeCodeCli.Tool.Listed, v => Version.Parse(v) > Version.Parse("2.1.197"));
    }

    [ClaudeCodeTheory]
    [MemberData(nameof(Versions))]
    public async Task Cli_IsInstalledAndReportsItsVersion(string version)
    {
        var reported = await ClaudeCodeCli.VersionAsync(version);

        output.WriteLine(reported);
        Assert.Equal($"{version} (Claude Code)", reported);
    }
}
