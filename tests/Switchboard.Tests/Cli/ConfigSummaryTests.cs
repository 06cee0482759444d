using Switchboard.Cli;
using Switchboard.Config;
using static Switchboard.Tests.Config.ConfigTestData;

namespace Switchboard.Tests.Cli;

public sealed class ConfigSummaryTests
{
    [Fact]
    public void Describe_GuideConfig_ListsPoolWithMaskedKeysAndRouter()
    {
        var config = ConfigLoader.LoadYaml(GuideYaml, "litellm-config.yaml", NoEnv).Config!;

        var text = ConfigSummary.Describe(config);

        Assert.Contains("glm-pool  (2 deployments)", text);
        Assert.Contains("openai/glm-4  https://api.z.ai/v1  key …EY_1", text);
        Assert.DoesNotContain("YOUR_GLM_API_KEY", text);
        Assert.Contains(config.ModelList[0].Id, text);
        Assert.Contains("Router: round-robin, retries 3, cooldown 60 s", text);
        Assert.Contains("request timeout 300 s", text);
    }

    [Fact]
    public void Describe_LimitsAndAliases_Shown()
    {
        const string yaml = """
            model_list:
              - model_name: pool
                litellm_params: {model: mock/m, api_key: sk-abcdefgh1234, rpm: 10, order: 2, max_parallel_requests: 1}
            router_settings:
              model_group_alias: {hidden-one: {model: pool, hidden: true}}
              fallbacks: [{pool: [pool]}]
            general_settings: {master_key: sk-master-secret-9999}
            """;

        var text = ConfigSummary.Describe(ConfigLoader.LoadYaml(yaml, null, NoEnv).Config!);

        Assert.Contains("key sk-…1234  rpm 10, order 2, max_parallel_requests 1", text);
        Assert.Contains("hidden-one -> pool  (hidden)", text);
        Assert.Contains("Fallbacks: pool -> pool", text);
        Assert.Contains("Master key: sk-…9999", text);
        Assert.DoesNotContain("master-secret", text);
    }
}
