using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Config;
using Switchboard.Routing;

namespace Switchboard.Tests.Examples;

/// <summary>The README's Claude Code config routes the names Claude Code really sends.</summary>
public sealed class ClaudeCodeExampleTests
{
    private static Router Load()
    {
        var env = new Dictionary<string, string> { ["ZAI_API_KEY_1"] = "zai-key-one-0001", ["ZAI_API_KEY_2"] = "zai-key-two-0002" };
        var path = Path.Combine(RepoRoot(), "examples", "claude-code-config.yaml");
        var config = ConfigLoader.LoadOrThrow(path, name => env.GetValueOrDefault(name));
        return new Router(config, TimeProvider.System, NullLogger<Router>.Instance);
    }

    [Theory]
    [InlineData("claude-sonnet-4-5-20250929", "claude-*")]
    [InlineData("claude-opus-4-1-20250805", "claude-*")]
    [InlineData("claude-haiku-4-5-20251001", "claude-*haiku*")]
    [InlineData("claude-3-5-haiku-20241022", "claude-*haiku*")]
    [InlineData("glm-pool", "claude-*")]
    [InlineData("glm-light", "claude-*haiku*")]
    public void ResolveGroup_ClaudeCodeModelNames_ReachTheirPools(string requested, string group)
    {
        using var router = Load();
        Assert.Equal(group, router.ResolveGroup(requested)?.Name);
    }

    [Fact]
    public void ExampleConfig_CodingPlanEndpointAndCaps()
    {
        using var router = Load();
        var main = router.ResolveGroup("glm-pool")!;
        Assert.All(main.Deployments, d => Assert.Equal("https://api.z.ai/api/coding/paas/v4", d.Config.ApiBase));
        Assert.All(main.Deployments, d => Assert.Equal(2, d.Config.MaxParallelRequests));
        Assert.Equal(32768, main.Deployments[0].Config.ModelInfo.MaxOutputTokens);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Switchboard.sln")))
        {
            dir = dir.Parent;
        }

        return dir!.FullName;
    }
}
