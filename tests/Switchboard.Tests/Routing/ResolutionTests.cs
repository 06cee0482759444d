using Switchboard.Config;
using Switchboard.Routing;
using static Switchboard.Tests.Routing.RoutingKit;

namespace Switchboard.Tests.Routing;

public sealed class ResolutionTests
{
    private static Router Make(RouterSettings settings) => Build(settings,
        Dep("p1", "glm-pool"), Dep("p2", "glm-pool"), Dep("b1", "backup-pool"),
        Dep("w1", "claude-*"), Dep("w2", "claude-*haiku*"), Dep("x1", "*")).Router;

    [Fact]
    public void Groups_OnePerModelNameInConfigOrder()
    {
        var router = Make(new RouterSettings());
        Assert.Equal(["glm-pool", "backup-pool", "claude-*", "claude-*haiku*", "*"], router.Groups.Select(g => g.Name));
        Assert.Equal(["p1", "p2"], router.Groups[0].Deployments.Select(d => d.Id));
        Assert.All(router.Groups[0].Deployments, d => Assert.Equal("glm-pool", d.Group));
    }

    [Theory]
    [InlineData("glm-pool", "glm-pool")]
    [InlineData("claude-sonnet-4-5", "claude-*")]
    [InlineData("claude-3-5-haiku-latest", "claude-*haiku*")]
    [InlineData("gpt-4o", "*")]
    [InlineData("claude-*", "claude-*")]
    public void ResolveGroup_ExactThenMostSpecificWildcard(string requested, string expected) =>
        Assert.Equal(expected, Make(new RouterSettings()).ResolveGroup(requested)?.Name);

    [Fact]
    public void ResolveGroup_Alias_WinsOverNameAndMayPointToWildcardGroup()
    {
        var settings = new RouterSettings
        {
            ModelGroupAlias = new Dictionary<string, string> { ["glm-pool"] = "backup-pool", ["fast"] = "claude-*haiku*", ["sonnet"] = "claude-sonnet" },
        };
        var router = Make(settings);
        Assert.Equal("backup-pool", router.ResolveGroup("glm-pool")?.Name);
        Assert.Equal("claude-*haiku*", router.ResolveGroup("fast")?.Name);
        Assert.Equal("claude-*", router.ResolveGroup("sonnet")?.Name);
    }

    [Fact]
    public void ResolveGroup_NoMatch_Null()
    {
        var router = Build(new RouterSettings(), Dep("a", "glm-pool"), Dep("w", "claude-*")).Router;
        Assert.Null(router.ResolveGroup("gpt-4o"));
        Assert.Null(router.ResolveGroup("claude"));
    }

    [Theory]
    [InlineData("claude-*", "claude-x", true)]
    [InlineData("claude-*", "claude-", true)]
    [InlineData("claude-*", "claud", false)]
    [InlineData("*haiku*", "claude-3-haiku-1", true)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "aXbY", false)]
    [InlineData("exact", "exact", true)]
    public void Wildcard_IsMatch(string pattern, string text, bool expected) => Assert.Equal(expected, Wildcard.IsMatch(pattern, text));

    [Fact]
    public void FallbacksFor_ChainsInOrderAndContextWindowSeparately()
    {
        var settings = new RouterSettings
        {
            Fallbacks = [new FallbackRule("glm-pool", ["backup-pool", "claude-*"]), new FallbackRule("backup-pool", ["claude-*"])],
            ContextWindowFallbacks = [new FallbackRule("glm-pool", ["big-pool"])],
        };
        var router = Make(settings);
        Assert.Equal(["backup-pool", "claude-*"], router.FallbacksFor("glm-pool"));
        Assert.Equal(["claude-*"], router.FallbacksFor("backup-pool"));
        Assert.Empty(router.FallbacksFor("claude-*"));
        Assert.Equal(["big-pool"], router.FallbacksFor("glm-pool", contextWindow: true));
        Assert.Empty(router.FallbacksFor("backup-pool", contextWindow: true));
    }

    [Fact]
    public void FallbacksFor_StarRule_AppliesToGroupsWithoutTheirOwn()
    {
        var settings = new RouterSettings
        {
            Fallbacks = [new FallbackRule("*", ["backup-pool"]), new FallbackRule("glm-pool", ["claude-*"])],
        };
        var router = Make(settings);
        Assert.Equal(["claude-*"], router.FallbacksFor("glm-pool"));
        Assert.Equal(["backup-pool"], router.FallbacksFor("claude-*"));
        Assert.Empty(router.FallbacksFor("backup-pool"));
    }
}
