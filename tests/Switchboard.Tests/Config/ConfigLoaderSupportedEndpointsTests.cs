using Switchboard.Config;

namespace Switchboard.Tests.Config;

public sealed class ConfigLoaderSupportedEndpointsTests
{
    [Theory]
    [InlineData("[\"/v1/chat/completions\", \"/v1/responses\"]", true)]
    [InlineData("\"/responses\"", true)]
    [InlineData("[\"/v1/chat/completions\"]", false)]
    [InlineData("[]", false)]
    public void LoadYaml_SupportedEndpoints_ParsedAsListOfStrings(string value, bool supportsResponses)
    {
        var yaml = $"""
            model_list:
              - model_name: pool
                litellm_params:
                  model: openai/gpt-5
                  api_base: https://api.example.com/v1
                  api_key: sk-x
                model_info:
                  supported_endpoints: {value}
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, _ => null);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var deployment = Assert.Single(result.Config!.ModelList);
        Assert.Equal(supportsResponses, deployment.ModelInfo.SupportsResponses);
    }

    [Fact]
    public void LoadYaml_NoSupportedEndpoints_NotNative()
    {
        var result = ConfigLoader.LoadYaml("""
            model_list:
              - model_name: pool
                litellm_params: {model: openai/gpt-5, api_base: "https://api.example.com/v1", api_key: sk-x}
            """, null, _ => null);

        Assert.Empty(Assert.Single(result.Config!.ModelList).ModelInfo.SupportedEndpoints);
    }
}
