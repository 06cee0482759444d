using Switchboard.Config;
using static Switchboard.Tests.Config.ConfigTestData;

namespace Switchboard.Tests.Config;

public sealed class DeploymentIdTests
{
    private const string Yaml = """
        model_list:
          - model_name: glm-pool
            litellm_params: {model: zai/glm-4.6, api_key: sk-secret-key-0001}
          - model_name: glm-pool
            litellm_params: {model: zai/glm-4.6, api_key: sk-secret-key-0002}
        """;

    [Fact]
    public void LoadYaml_NoExplicitId_IdsAreStableAcrossLoads()
    {
        var first = ConfigLoader.LoadYaml(Yaml, null, NoEnv).Config!.ModelList.Select(d => d.Id).ToList();
        var second = ConfigLoader.LoadYaml(Yaml, null, NoEnv).Config!.ModelList.Select(d => d.Id).ToList();

        Assert.Equal(first, second);
        Assert.NotEqual(first[0], first[1]);
    }

    [Fact]
    public void LoadYaml_NoExplicitId_IdIsTwelveHexCharsWithoutTheKey()
    {
        var deployments = ConfigLoader.LoadYaml(Yaml, null, NoEnv).Config!.ModelList;

        Assert.All(deployments, d =>
        {
            Assert.Matches("^[0-9a-f]{12}$", d.Id);
            Assert.DoesNotContain("0001", d.Id);
            Assert.DoesNotContain("0002", d.Id);
        });
    }

    [Fact]
    public void Compute_KnownInput_FixedValue()
    {
        // Pinned: ids appear in logs, stats and x-litellm-model-id, so a change here breaks continuity across releases.
        Assert.Equal("cc3c0d074dad", DeploymentId.Compute("g", "zai/glm-4.6", "https://api.z.ai/api/paas/v4", "k"));
        Assert.NotEqual(DeploymentId.Compute("g", "zai/glm-4.6", "https://a", "k"), DeploymentId.Compute("g", "zai/glm-4.6", "https://a", "k2"));
        Assert.NotEqual(DeploymentId.Compute("ab", "c", "x", null), DeploymentId.Compute("a", "bc", "x", null));
    }

    [Fact]
    public void LoadYaml_ExplicitId_Used()
    {
        var yaml = Yaml.Replace("api_key: sk-secret-key-0001}", "api_key: sk-secret-key-0001}\n    model_info: {id: zai-1}");

        var ids = ConfigLoader.LoadYaml(yaml, null, NoEnv).Config!.ModelList.Select(d => d.Id).ToList();

        Assert.Equal("zai-1", ids[0]);
        Assert.Matches("^[0-9a-f]{12}$", ids[1]);
    }
}
