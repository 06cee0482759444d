using Switchboard.Config;
using static Switchboard.Tests.Config.ConfigTestData;

namespace Switchboard.Tests.Config;

public sealed class ConfigLoaderValidationTests
{
    private static List<string> Errors(string yaml, Func<string, string?>? env = null)
    {
        var result = ConfigLoader.LoadYaml(yaml, null, env ?? NoEnv);
        Assert.False(result.IsValid);
        Assert.Null(result.Config);
        return result.Errors.Select(e => e.ToString()).ToList();
    }

    [Fact]
    public void LoadYaml_UnknownProvider_ErrorWithPathListsKnownProviders()
    {
        const string yaml = """
            model_list:
              - model_name: glm-pool
                litellm_params: {model: openai/glm-4}
              - model_name: glm-pool
                litellm_params:
                  model: opnai/glm-4
            """;

        var error = Assert.Single(Errors(yaml));

        Assert.StartsWith("model_list[1].litellm_params.model: unknown provider 'opnai'", error);
        Assert.Contains("openai, zai, anthropic, mock", error);
    }

    [Fact]
    public void LoadYaml_ModelWithoutPrefix_ErrorSuggestsPrefix()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params: {model: glm-4}
            """;

        var error = Assert.Single(Errors(yaml));

        Assert.StartsWith("model_list[0].litellm_params.model: 'glm-4' has no provider prefix", error);
        Assert.Contains("openai/glm-4", error);
    }

    [Fact]
    public void LoadYaml_MissingModelNameParamsAndModel_OneErrorEach()
    {
        const string yaml = """
            model_list:
              - litellm_params: {model: zai/glm-4.6}
              - model_name: b
              - model_name: c
                litellm_params: {api_key: k}
              - model_name: d
                litellm_params: {model: ""}
            """;

        var errors = Errors(yaml);

        Assert.Equal(
            [
                "model_list[0].model_name: required",
                "model_list[1].litellm_params: required: it holds the upstream model, api_key and api_base",
                "model_list[2].litellm_params.model: required",
                "model_list[3].litellm_params.model: must not be empty",
            ],
            errors);
    }

    [Fact]
    public void LoadYaml_UnknownStrategy_ErrorListsKnownStrategies()
    {
        var error = Assert.Single(Errors(OneMock + "\nrouter_settings: {routing_strategy: fastest}"));

        Assert.StartsWith("router_settings.routing_strategy: unknown routing strategy 'fastest'", error);
        Assert.Contains("least-connections", error);
    }

    [Theory]
    [InlineData("round-robin", "round-robin")]
    [InlineData("least_busy", "least-busy")]
    [InlineData("usage-based-routing-v2", "usage-based-routing-v2")]
    [InlineData("Simple-Shuffle", "simple-shuffle")]
    [InlineData("order", "order")]
    public void LoadYaml_KnownStrategy_Normalised(string written, string expected)
    {
        var result = ConfigLoader.LoadYaml(OneMock + $"\nrouter_settings: {{routing_strategy: {written}}}", null, NoEnv);

        Assert.Equal(expected, result.Config!.Router.RoutingStrategy);
    }

    [Fact]
    public void LoadYaml_CostBasedRouting_AcceptedAsRoundRobinWithWarning()
    {
        var result = ConfigLoader.LoadYaml(OneMock + "\nrouter_settings: {routing_strategy: cost-based-routing}", null, NoEnv);

        Assert.Equal("round-robin", result.Config!.Router.RoutingStrategy);
        Assert.Contains(result.Warnings, w => w.StartsWith("router_settings.routing_strategy: cost-based-routing is not supported"));
    }

    [Fact]
    public void LoadYaml_BadNumbers_OneErrorPerValueWithPath()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params:
                  model: zai/glm-4.6
                  rpm: 0
                  tpm: -5
                  weight: 0
                  order: -1
                  timeout: 0
                  max_parallel_requests: many
                  cooldown_time: -1
                  mock_latency_ms: 1.5
                model_info:
                  input_cost_per_token: -0.1
                  max_input_tokens: 0
            router_settings:
              num_retries: -1
              request_timeout: "0"
              allowed_fails: x
              redis_port: 70000
              session_affinity: maybe
            general_settings:
              max_request_size_mb: 0
            """;

        var errors = Errors(yaml);

        Assert.Equal(
            [
                "model_list[0].litellm_params.rpm: must be greater than 0, got 0",
                "model_list[0].litellm_params.tpm: must be greater than 0, got -5",
                "model_list[0].litellm_params.weight: must be greater than 0, got 0",
                "model_list[0].litellm_params.order: must be 0 or more, got -1",
                "model_list[0].litellm_params.timeout: must be greater than 0, got 0",
                "model_list[0].litellm_params.max_parallel_requests: expected a whole number, got 'many'",
                "model_list[0].litellm_params.cooldown_time: must be 0 or more, got -1",
                "model_list[0].litellm_params.mock_latency_ms: expected a whole number, got '1.5'",
                "model_list[0].model_info.input_cost_per_token: must be 0 or more, got -0.1",
                "model_list[0].model_info.max_input_tokens: must be greater than 0, got 0",
                "router_settings.num_retries: must be 0 or more, got -1",
                "router_settings.request_timeout: must be greater than 0, got 0",
                "router_settings.allowed_fails: expected a whole number, got 'x'",
                "router_settings.redis_port: is not a TCP port (70000)",
                "router_settings.session_affinity: expected true or false, got 'maybe'",
                "general_settings.max_request_size_mb: must be greater than 0, got 0",
            ],
            errors);
    }

    [Fact]
    public void LoadYaml_DuplicateExplicitIds_Error()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params: {model: zai/glm-4.6, api_key: k1}
                model_info: {id: key-a}
              - model_name: g
                litellm_params: {model: zai/glm-4.6, api_key: k2}
                model_info: {id: key-a}
            """;

        var error = Assert.Single(Errors(yaml));

        Assert.Equal("model_list[1].model_info.id: duplicate deployment id 'key-a' (also model_list[0])", error);
    }

    [Fact]
    public void LoadYaml_IdenticalDeployments_SecondIgnoredWithWarning()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params: {model: zai/glm-4.6, api_key: k1}
              - model_name: g
                litellm_params: {model: zai/glm-4.6, api_key: k1}
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, NoEnv);

        Assert.Single(result.Config!.ModelList);
        Assert.Contains(result.Warnings, w => w.StartsWith("model_list[1]: same model_name, model, api_base and api_key as model_list[0]"));
    }

    [Theory]
    [InlineData("model_list: []")]
    [InlineData("model_list:")]
    public void LoadYaml_EmptyModelList_Error(string yaml)
    {
        Assert.StartsWith("model_list: is empty", Assert.Single(Errors(yaml)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment")]
    [InlineData("router_settings: {num_retries: 1}")]
    public void LoadYaml_MissingModelList_Error(string yaml)
    {
        var error = Assert.Single(Errors(yaml));

        Assert.Contains("model_list", error);
    }

    [Fact]
    public void LoadYaml_MalformedYaml_ErrorCarriesLine()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params:
                  model: "zai/glm-4.6
                  api_key: k
            """;

        var error = Assert.Single(ConfigLoader.LoadYaml(yaml, null, NoEnv).Errors);

        Assert.NotNull(error.Line);
        Assert.InRange(error.Line.Value, 4, 6);
        Assert.StartsWith($"line {error.Line}, column ", error.ToString());
        Assert.DoesNotContain("Idx", error.Message);
    }

    [Fact]
    public void LoadYaml_BadIndentation_ErrorCarriesLine()
    {
        const string yaml = "model_list:\n  - model_name: g\n   litellm_params: {model: zai/x}\n";

        var error = Assert.Single(ConfigLoader.LoadYaml(yaml, null, NoEnv).Errors);

        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void LoadYaml_SectionGivenTwice_ErrorNamesLineOfDuplicate()
    {
        const string yaml = OneMock + "\nrouter_settings: {num_retries: 1}\nrouter_settings: {num_retries: 2}\n";

        var error = Assert.Single(ConfigLoader.LoadYaml(yaml, null, NoEnv).Errors);

        Assert.Equal(6, error.Line);
        Assert.Contains("Duplicate key", error.Message);
    }

    [Fact]
    public void LoadYaml_WrongShapes_ErrorsWithPaths()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params: zai/glm-4.6
              - just-a-string
            router_settings:
              fallbacks: {g: [h]}
              model_group_alias: [a, b]
            """;

        var errors = Errors(yaml);

        Assert.Equal(
            [
                "model_list[0].litellm_params: expected a mapping (key: value lines), got 'zai/glm-4.6'",
                "model_list[1]: expected a mapping (key: value lines), got 'just-a-string'",
                "router_settings.fallbacks: expected a list like [{glm-pool: [backup-pool]}]",
                "router_settings.model_group_alias: expected a mapping (key: value lines), got a list",
            ],
            errors);
    }

    [Fact]
    public void LoadYaml_ApiBaseNotAUrl_Error()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params: {model: openai/x, api_base: api.z.ai/api/paas/v4}
            """;

        Assert.Equal(["model_list[0].litellm_params.api_base: 'api.z.ai/api/paas/v4' is not an absolute http(s) URL"], Errors(yaml));
    }

    [Fact]
    public void LoadYaml_OpenAiAliasWithoutApiBase_Error()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params: {model: hosted_vllm/llama}
            """;

        Assert.StartsWith("model_list[0].litellm_params.api_base: required for hosted_vllm/ models", Assert.Single(Errors(yaml)));
    }

    [Fact]
    public void LoadYaml_ZaiPlanOnOtherProvider_Error()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params: {model: openai/glm-4.6, zai_plan: coding}
              - model_name: g
                litellm_params: {model: zai/glm-4.6, zai_plan: pro}
            """;

        Assert.Equal(
            [
                "model_list[0].litellm_params.zai_plan: applies only to zai/ models",
                "model_list[1].litellm_params.zai_plan: expected general or coding, got 'pro'",
            ],
            Errors(yaml));
    }

    [Fact]
    public void LoadYaml_EmptyEnvVariable_ErrorNamesIt()
    {
        var error = Assert.Single(Errors(OneMock + "\n      api_key: os.environ/EMPTY", Env(("EMPTY", ""))));

        Assert.Equal("model_list[0].litellm_params.api_key: environment variable 'EMPTY' is set but empty (referenced as os.environ/EMPTY)", error);
    }

    [Fact]
    public void LoadYaml_AliasObjectWithoutModel_Error()
    {
        var error = Assert.Single(Errors(OneMock + "\nrouter_settings:\n  model_group_alias:\n    a: {hidden: true}"));

        Assert.StartsWith("router_settings.model_group_alias.a.model: required", error);
    }

    [Fact]
    public void LoadYaml_ManyProblems_AllReportedInFileOrder()
    {
        const string yaml = """
            router_settings:
              routing_strategy: nope
            model_list:
              - model_name: a
                litellm_params: {model: opnai/x}
              - model_name: b
                litellm_params: {model: zai/x, api_key: os.environ/MISSING}
            """;

        var errors = Errors(yaml);

        Assert.Equal(3, errors.Count);
        Assert.StartsWith("router_settings.routing_strategy", errors[0]);
        Assert.StartsWith("model_list[0].litellm_params.model", errors[1]);
        Assert.StartsWith("model_list[1].litellm_params.api_key", errors[2]);
    }
}
