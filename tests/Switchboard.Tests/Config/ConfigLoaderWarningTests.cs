using Switchboard.Config;
using static Switchboard.Tests.Config.ConfigTestData;

namespace Switchboard.Tests.Config;

public sealed class ConfigLoaderWarningTests
{
    [Fact]
    public void LoadYaml_UnknownKeys_WarnedWithPathOncePerKey()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params: {model: zai/x, api_key: k1, colour: red}
              - model_name: g
                litellm_params: {model: zai/x, api_key: k2, colour: blue}
                extra: 1
            router_settings:
              num_retry: 3
            litellm_settings:
              success_callback: [langfuse]
            general_settings:
              alerting: [slack]
            colours: true
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, NoEnv);

        Assert.Empty(result.Errors);
        Assert.Equal(
            [
                "model_list[0].litellm_params.colour: unknown key, ignored (and 1 more like it)",
                "model_list[1].extra: unknown key, ignored",
                "router_settings.num_retry: unknown key, ignored",
                "litellm_settings.success_callback: not supported by Switchboard, ignored",
                "general_settings.alerting: not supported by Switchboard, ignored",
                "colours: unknown key, ignored",
            ],
            result.Warnings);
    }

    [Fact]
    public void LoadYaml_AliasToUnknownGroup_Warns()
    {
        var result = ConfigLoader.LoadYaml(OneMock + "\nrouter_settings:\n  model_group_alias: {gpt-4o: nowhere}", null, NoEnv);

        Assert.True(result.IsValid);
        Assert.Equal(["router_settings.model_group_alias.gpt-4o: model group 'nowhere' is not in model_list"], result.Warnings);
    }

    [Fact]
    public void LoadYaml_FallbackToWildcardMatch_NoWarning()
    {
        const string yaml = """
            model_list:
              - model_name: pool
                litellm_params: {model: mock/m}
              - model_name: "claude-*"
                litellm_params: {model: mock/m}
            router_settings:
              fallbacks: [{pool: [claude-backup]}]
            """;

        Assert.Empty(ConfigLoader.LoadYaml(yaml, null, NoEnv).Warnings);
    }

    [Fact]
    public void LoadYaml_SeveralYamlDocuments_WarnsOnlyFirstRead()
    {
        var result = ConfigLoader.LoadYaml(OneMock + "\n---\nmodel_list: []\n", null, NoEnv);

        Assert.True(result.IsValid);
        Assert.Contains(result.Warnings, w => w.Contains("only the first is read"));
    }
}
