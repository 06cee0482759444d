using Switchboard.Config;

namespace Switchboard.Tests.Config;

/// <summary>The config side of store_model_in_db: the setting, an empty model_list, one deployment checked on its own.</summary>
public sealed class StoredDeploymentConfigTests
{
    [Fact]
    public void LoadYaml_StoreModelInDbWithEmptyModelList_Valid()
    {
        var result = ConfigLoader.LoadYaml("model_list: []\ngeneral_settings:\n  master_key: sk-m\n  store_model_in_db: true\n", null, _ => null);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.True(result.Config!.General.StoreModelInDb);
        Assert.Empty(result.Config.ModelList);
        Assert.DoesNotContain(result.Warnings, w => w.Contains("store_model_in_db", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("model_list: []\n")]
    [InlineData("general_settings:\n  master_key: sk-m\n")]
    public void LoadYaml_NoDeploymentsWithoutStoreModelInDb_Error(string yaml)
    {
        var result = ConfigLoader.LoadYaml(yaml, null, _ => null);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == "model_list");
    }

    [Fact]
    public void LoadYaml_StoreModelInDbFromEnvironment_EmptyModelListValid() =>
        Assert.True(ConfigLoader.LoadYaml("model_list: []\n", null, name => name == "STORE_MODEL_IN_DB" ? "True" : null).IsValid);

    [Fact]
    public void LoadDeployment_JsonEntry_CheckedAsAModelListEntryWithEnvironmentResolved()
    {
        var json = """{"model_name":"pool","litellm_params":{"model":"openai/glm-4.6","api_base":"http://127.0.0.1:9/v1","api_key":"os.environ/K","rpm":5},"model_info":{"id":"d-1"}}""";

        var (deployment, errors) = ConfigLoader.LoadDeployment(json, 3, "model", name => name == "K" ? "sk-from-env" : null);

        Assert.Empty(errors);
        Assert.Equal(("pool", "d-1", "openai", "glm-4.6", "sk-from-env", 5, 3),
            (deployment!.ModelName, deployment.Id, deployment.Provider, deployment.UpstreamModel, deployment.ApiKey, deployment.Rpm, deployment.Index));
    }

    [Theory]
    [InlineData("""{"model_name":"pool","litellm_params":{"model":"opnai/x"}}""", "model.litellm_params.model")]
    [InlineData("""{"model_name":"pool","litellm_params":{"model":"openai/x","api_base":"http://h/v1","api_key":"os.environ/MISSING"}}""", "model.litellm_params.api_key")]
    [InlineData("""{"model_name":"pool"}""", "model.litellm_params")]
    [InlineData("""{"model_name":"pool",""", "model")]
    public void LoadDeployment_BadEntry_ErrorsNameThePath(string json, string path)
    {
        var (deployment, errors) = ConfigLoader.LoadDeployment(json, 0, "model", _ => null);

        Assert.Null(deployment);
        Assert.Contains(errors, e => e.Path.StartsWith(path, StringComparison.Ordinal));
    }
}
