using Switchboard.Api;
using Switchboard.Config;
using static Switchboard.Tests.Config.ConfigTestData;

namespace Switchboard.Tests.Api;

public sealed class ModelNamesTests
{
    private const string Yaml = """
        model_list:
          - model_name: glm-pool
            litellm_params: {model: mock/glm-4.6, api_key: k1}
          - model_name: glm-pool
            litellm_params: {model: mock/glm-4.6, api_key: k2}
          - model_name: "claude-*"
            litellm_params: {model: mock/glm-4.6, api_key: k1}
          - model_name: embed
            litellm_params: {model: mock/text-embedding-3-small, api_key: k1}
        router_settings:
          model_group_alias:
            gpt-4o-mini: glm-pool
            secret: {model: glm-pool, hidden: true}
        """;

    private static GatewayConfig Config(string yaml = Yaml) => ConfigLoader.LoadYaml(yaml, null, NoEnv).Config!;

    [Fact]
    public void Known_OpenKey_GroupsWithPatternsThenVisibleAliases() =>
        Assert.Equal("Known model groups: glm-pool, claude-*, embed; aliases: gpt-4o-mini.", ModelNames.Known(Config(), []));

    [Fact]
    public void Known_RestrictedKey_OnlyWhatTheKeyMayUse() =>
        Assert.Equal("Known model groups: glm-pool.", ModelNames.Known(Config(), ["glm-pool"]));

    [Fact]
    public void Known_KeyAllowedOnlyAnAlias_NamesTheAliasAlone() =>
        Assert.Equal("Known aliases: gpt-4o-mini.", ModelNames.Known(Config(), ["gpt-4o-mini"]));

    [Fact]
    public void Known_KeyAllowedNothingConfigured_SaysSo() =>
        Assert.Equal("This key may use none of the configured models.", ModelNames.Known(Config(), ["gpt-5"]));

    [Fact]
    public void Known_ManyGroups_AtMostMaxNamedThenACount()
    {
        var yaml = "model_list:\n" + string.Concat(Enumerable.Range(1, ModelNames.MaxNamed + 5)
            .Select(i => $"  - model_name: m{i}\n    litellm_params: {{model: mock/x, api_key: k}}\n")) +
            "router_settings:\n  model_group_alias: {a1: m1, a2: m2}\n";

        var text = ModelNames.Known(Config(yaml), []);

        Assert.StartsWith("Known model groups: m1, m2, ", text, StringComparison.Ordinal);
        Assert.Contains($"m{ModelNames.MaxNamed} and 5 more; aliases: 2 more.", text, StringComparison.Ordinal);
        Assert.DoesNotContain($"m{ModelNames.MaxNamed + 1},", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Listed_NoPatternsNoHiddenAliases() =>
        Assert.Equal(["glm-pool", "embed", "gpt-4o-mini"], ModelNames.Listed(Config(), []));

    [Fact]
    public void Listed_RestrictedKey_OnlyWhatTheKeyMayUse() =>
        Assert.Equal(["gpt-4o-mini"], ModelNames.Listed(Config(), ["gpt-*"]));
}
