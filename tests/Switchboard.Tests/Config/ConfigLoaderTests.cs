using Switchboard.Config;
using static Switchboard.Tests.Config.ConfigTestData;

namespace Switchboard.Tests.Config;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void LoadYaml_GuideExample_LoadsTwoDeploymentsAndRouterSettings()
    {
        var result = ConfigLoader.LoadYaml(GuideYaml, "litellm-config.yaml", NoEnv);

        Assert.Empty(result.Errors);
        Assert.True(result.IsValid);
        var config = result.Config!;
        Assert.Equal(2, config.ModelList.Count);
        Assert.All(config.ModelList, d =>
        {
            Assert.Equal("glm-pool", d.ModelName);
            Assert.Equal("openai", d.Provider);
            Assert.Equal("glm-4", d.UpstreamModel);
            Assert.Equal("https://api.z.ai/v1", d.ApiBase);
        });
        Assert.Equal(["YOUR_GLM_API_KEY_1", "YOUR_GLM_API_KEY_2"], config.ModelList.Select(d => d.ApiKey));
        Assert.Equal([0, 1], config.ModelList.Select(d => d.Index));
        Assert.Equal("round-robin", config.Router.RoutingStrategy);
        Assert.Equal(3, config.Router.NumRetries);
        Assert.Equal(3, config.EffectiveNumRetries);
        Assert.Equal(TimeSpan.FromSeconds(60), config.Router.CooldownTime);
        Assert.Equal(TimeSpan.FromSeconds(300), config.Router.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(300), config.EffectiveRequestTimeout);
        Assert.Equal("litellm-config.yaml", config.SourcePath);
        Assert.Equal(["glm-pool"], config.ModelGroups);
    }

    [Fact]
    public void LoadYaml_GuideExample_WarnsOnceThatZaiV1IsNotAZaiPath()
    {
        var result = ConfigLoader.LoadYaml(GuideYaml, null, NoEnv);

        var warning = Assert.Single(result.Warnings);
        Assert.StartsWith("model_list[0].litellm_params.api_base:", warning);
        Assert.Contains("https://api.z.ai/api/paas/v4", warning);
        Assert.Contains("https://api.z.ai/api/coding/paas/v4", warning);
        Assert.EndsWith("(and 1 more like it)", warning);
    }

    [Fact]
    public void LoadYaml_EnvReferences_ResolveThroughGetEnv()
    {
        const string yaml = """
            model_list:
              - model_name: glm-pool
                litellm_params:
                  model: zai/glm-4.6
                  api_key: os.environ/ZAI_KEY
                  rpm: os.environ/ZAI_RPM
            general_settings:
              master_key: os.environ/MASTER
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, Env(("ZAI_KEY", "secret-zai"), ("ZAI_RPM", "30"), ("MASTER", "sk-master")));

        Assert.Empty(result.Errors);
        var d = Assert.Single(result.Config!.ModelList);
        Assert.Equal("secret-zai", d.ApiKey);
        Assert.Equal(30, d.Rpm);
        Assert.Equal("sk-master", result.Config.General.MasterKey);
    }

    [Fact]
    public void LoadYaml_MissingEnvVariable_ErrorNamesVariableAndPath()
    {
        const string yaml = """
            model_list:
              - model_name: glm-pool
                litellm_params:
                  model: zai/glm-4.6
                  api_key: os.environ/ZAI_API_KEY_1
              - model_name: glm-pool
                litellm_params:
                  model: zai/glm-4.6
                  api_key: os.environ/ZAI_API_KEY_2
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, Env(("ZAI_API_KEY_1", "k1")));

        Assert.Null(result.Config);
        var error = Assert.Single(result.Errors);
        Assert.Equal("model_list[1].litellm_params.api_key", error.Path);
        Assert.Contains("ZAI_API_KEY_2", error.Message);
        Assert.Equal(9, error.Line);
    }

    [Fact]
    public void LoadYaml_EnvironmentVariablesBlock_VisibleToEnvReferencesWherever()
    {
        const string yaml = """
            model_list:
              - model_name: pool
                litellm_params:
                  model: openai/glm-4.6
                  api_key: os.environ/MY_KEY
                  api_base: os.environ/MY_BASE
            environment_variables:
              MY_KEY: from-file
              MY_BASE: https://example.test/v1
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, Env(("MY_KEY", "from-process")));

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var d = Assert.Single(result.Config!.ModelList);
        Assert.Equal("from-file", d.ApiKey);
        Assert.Equal("https://example.test/v1", d.ApiBase);
    }

    [Fact]
    public void LoadYaml_ProcessEnvironmentByDefault_ResolvesReference()
    {
        var name = "SWITCHBOARD_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "from-environment");
        try
        {
            var result = ConfigLoader.LoadYaml(OneMock + $"\n      api_key: os.environ/{name}", null);

            Assert.Equal("from-environment", Assert.Single(result.Config!.ModelList).ApiKey);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Theory]
    [InlineData("openai/gpt-4o", "openai", "gpt-4o", "https://api.openai.com/v1")]
    [InlineData("zai/glm-4.6", "zai", "glm-4.6", "https://api.z.ai/api/paas/v4")]
    [InlineData("anthropic/claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5", "https://api.anthropic.com")]
    [InlineData("mock/glm-4.6", "mock", "glm-4.6", "mock://local")]
    [InlineData("openai/org/model", "openai", "org/model", "https://api.openai.com/v1")]
    public void LoadYaml_ProviderPrefix_SetsProviderModelAndDefaultBase(string model, string provider, string upstream, string apiBase)
    {
        var yaml = $"""
            model_list:
              - model_name: g
                litellm_params:
                  model: {model}
            """;

        var d = Assert.Single(ConfigLoader.LoadYaml(yaml, null, NoEnv).Config!.ModelList);

        Assert.Equal((provider, upstream, apiBase), (d.Provider, d.UpstreamModel, d.ApiBase));
    }

    [Theory]
    [InlineData("hosted_vllm")]
    [InlineData("openai_compatible")]
    [InlineData("custom_openai")]
    public void LoadYaml_OpenAiAliasWithApiBase_IsOpenAi(string prefix)
    {
        var yaml = $"""
            model_list:
              - model_name: g
                litellm_params:
                  model: {prefix}/llama
                  api_base: http://127.0.0.1:8000/v1/
            """;

        var d = Assert.Single(ConfigLoader.LoadYaml(yaml, null, NoEnv).Config!.ModelList);

        Assert.Equal(("openai", "llama", "http://127.0.0.1:8000/v1"), (d.Provider, d.UpstreamModel, d.ApiBase));
    }

    [Fact]
    public void LoadYaml_ZaiCodingPlan_UsesCodingEndpoint()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params:
                  model: zai/glm-4.6
                  zai_plan: coding
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, NoEnv);

        Assert.Equal("https://api.z.ai/api/coding/paas/v4", Assert.Single(result.Config!.ModelList).ApiBase);
    }

    [Fact]
    public void LoadYaml_AllDeploymentFields_AreParsed()
    {
        const string yaml = """
            model_list:
              - model_name: "claude-*"
                litellm_params:
                  model: mock/glm-4.6
                  api_key: ok-1
                  api_version: "2024-01-01"
                  rpm: "60"
                  tpm: 100000
                  weight: 2.5
                  order: 1
                  timeout: 30
                  stream_timeout: 7.5
                  max_retries: 0
                  max_parallel_requests: 2
                  cooldown_time: 10
                  extra_headers: {X-Team: core, X-Trace: "1"}
                  mock_latency_ms: 15
                  mock_chunks: 3
                  mock_chunk_delay_ms: 4
                  mock_response: hi
                model_info:
                  id: claude-mock
                  mode: chat
                  input_cost_per_token: 0.0000006
                  output_cost_per_token: 2.2e-6
                  cache_read_input_token_cost: "1e-7"
                  max_tokens: 4096
                  max_input_tokens: 200000
                  supports_vision: true
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, NoEnv);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var d = Assert.Single(result.Config!.ModelList);
        Assert.True(d.IsWildcard);
        Assert.Equal("claude-mock", d.Id);
        Assert.Equal("2024-01-01", d.ApiVersion);
        Assert.Equal((60, 100000, 2.5, 1), (d.Rpm, d.Tpm, d.Weight, d.Order));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(7.5)), (d.Timeout, d.StreamTimeout));
        Assert.Equal((0, 2, TimeSpan.FromSeconds(10)), (d.MaxRetries, d.MaxParallelRequests, d.CooldownTime));
        Assert.Equal("core", d.ExtraHeaders["X-Team"]);
        Assert.Equal("1", d.ExtraHeaders["X-Trace"]);
        Assert.Equal(new MockParams { Latency = TimeSpan.FromMilliseconds(15), Chunks = 3, ChunkDelay = TimeSpan.FromMilliseconds(4), Response = "hi" }, d.Mock);
        Assert.Equal("chat", d.ModelInfo.Mode);
        Assert.Equal((0.0000006, 2.2e-6, 1e-7), (d.ModelInfo.InputCostPerToken, d.ModelInfo.OutputCostPerToken, d.ModelInfo.CacheReadInputTokenCost));
        Assert.Equal((4096, 200000), (d.ModelInfo.MaxOutputTokens, d.ModelInfo.MaxInputTokens));
    }

    [Fact]
    public void LoadYaml_RouterSettings_AllKeysParsed()
    {
        const string yaml = OneMock + """

            router_settings:
              routing_strategy: latency-based-routing
              routing_strategy_args: {lowest_latency_buffer: 0.5}
              num_retries: 2
              cooldown_time: 0
              timeout: 120
              stream_timeout: 20
              allowed_fails: 5
              retry_policy: {RateLimitErrorRetries: 4, TimeoutErrorRetries: 1}
              fallbacks: [{pool: [backup]}, {backup: other}]
              context_window_fallbacks: [{pool: [pool]}]
              model_group_alias:
                gpt-4o: pool
                secret: {model: pool, hidden: true}
              wait_for_cooldown_s: 5
              session_affinity: "true"
              adaptive_limits: false
              max_queued_requests: 10
              redis_host: localhost
              redis_port: "6379"
              redis_password: pw
              redis_url: redis://localhost:6379
              enable_pre_call_checks: true
              cache_responses: false
              default_max_parallel_requests: 3
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, NoEnv);

        Assert.Empty(result.Errors);
        var r = result.Config!.Router;
        Assert.Equal("latency-based-routing", r.RoutingStrategy);
        Assert.Equal(0.5, r.LowestLatencyBuffer);
        Assert.Equal((2, TimeSpan.Zero, TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(20), 5), (r.NumRetries, r.CooldownTime, r.Timeout, r.StreamTimeout, r.AllowedFails));
        Assert.Equal(4, r.RetryPolicy["RateLimitErrorRetries"]);
        Assert.Equal(1, r.RetryPolicy["TimeoutErrorRetries"]);
        Assert.Equal([("pool", "backup"), ("backup", "other")], r.Fallbacks.Select(f => (f.ModelGroup, string.Join(",", f.Fallbacks))));
        Assert.Equal("pool", Assert.Single(r.ContextWindowFallbacks).ModelGroup);
        Assert.Equal("pool", r.ModelGroupAlias["gpt-4o"]);
        Assert.Equal("pool", r.ModelGroupAlias["secret"]);
        Assert.Equal(["secret"], r.HiddenModelGroupAliases);
        Assert.Equal((TimeSpan.FromSeconds(5), true, 10), (r.WaitForCooldown, r.SessionAffinity, r.MaxQueuedRequests));
        Assert.False(r.AdaptiveLimits);
        Assert.Equal(("localhost", 6379, "pw", "redis://localhost:6379"), (r.RedisHost, r.RedisPort, r.RedisPassword, r.RedisUrl));
        Assert.True(r.EnablePreCallChecks);
        Assert.Equal(3, Assert.Single(result.Config.ModelList).MaxParallelRequests);
        Assert.Equal(TimeSpan.FromSeconds(120), result.Config.EffectiveRequestTimeout);
        // Fallback targets "backup" and "other" are not groups of this file.
        Assert.Contains(result.Warnings, w => w.Contains("'backup' is not in model_list"));
    }

    [Fact]
    public void LoadYaml_LiteLlmAndGeneralSettings_Parsed()
    {
        const string yaml = OneMock + """

            litellm_settings:
              drop_params: True
              request_timeout: 90
              num_retries: 1
              cache: true
              cache_params: {type: redis, ttl: 600, supported_call_types: [acompletion, aembedding]}
              set_verbose: false
              json_logs: true
              fallbacks: [{pool: [pool]}]
            general_settings:
              master_key: sk-1234
              database_url: postgresql://u:p@localhost/db
              max_request_size_mb: 2
              max_sse_event_bytes: 65536
              disable_spend_logs: true
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, NoEnv);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var config = result.Config!;
        Assert.True(config.LiteLlm.DropParams);
        Assert.Equal(TimeSpan.FromSeconds(90), config.LiteLlm.RequestTimeout);
        Assert.Equal(1, config.EffectiveNumRetries);
        Assert.True(config.LiteLlm.Cache);
        Assert.Equal("600", config.LiteLlm.CacheParams["ttl"]);
        Assert.Equal("acompletion,aembedding", config.LiteLlm.CacheParams["supported_call_types"]);
        Assert.True(config.LiteLlm.JsonLogs);
        Assert.Equal("pool", Assert.Single(config.Router.Fallbacks).ModelGroup);
        Assert.Equal(("sk-1234", "postgresql://u:p@localhost/db", 2L * 1024 * 1024), (config.General.MasterKey, config.General.DatabaseUrl, config.General.MaxRequestBodyBytes));
        Assert.True(config.General.DisableSpendLogs);
        Assert.Equal(65536, config.General.MaxSseEventBytes);
    }

    [Fact]
    public void LoadYaml_YamlAnchorsAndMergeKeys_AreHonoured()
    {
        const string yaml = """
            common: &zai
              model: zai/glm-4.6
              rpm: 10
            model_list:
              - model_name: g
                litellm_params:
                  <<: *zai
                  api_key: k1
                  rpm: 20
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, NoEnv);

        var d = Assert.Single(result.Config!.ModelList);
        Assert.Equal(("zai", 20), (d.Provider, d.Rpm));
    }

    [Theory]
    [InlineData("demo-config.yaml")]
    [InlineData("litellm-config.example.yaml")]
    [InlineData("claude-code-config.yaml")]
    public void LoadFile_ExampleFiles_LoadWithoutErrorsOrWarnings(string file)
    {
        var env = Env(("ZAI_API_KEY_1", "k1"), ("ZAI_API_KEY_2", "k2"), ("ZAI_API_KEY_3", "k3"));

        var result = ConfigLoader.LoadFile(RepoFile(Path.Combine("examples", file)), env);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.NotEmpty(result.Config!.ModelList);
    }

    [Fact]
    public void LoadFile_DemoConfig_HasMockPoolClaudeWildcardAndEmbeddings()
    {
        var config = ConfigLoader.LoadOrThrow(RepoFile(Path.Combine("examples", "demo-config.yaml")), NoEnv);

        var pool = config.ModelList.Where(d => d.ModelName == "glm-pool").ToList();
        Assert.Equal(["ok-demo-1", "ok-demo-2", "ok-demo-3", "ok-demo-4"], pool.Select(d => d.ApiKey));
        Assert.All(config.ModelList, d => Assert.Equal("mock", d.Provider));
        Assert.Contains(config.ModelList, d => d.IsWildcard && d.ModelName.StartsWith("claude-"));
        Assert.Contains(config.ModelList, d => d.ModelInfo.Mode == "embedding");
        Assert.Equal(("round-robin", 3, TimeSpan.FromSeconds(60)), (config.Router.RoutingStrategy, config.Router.NumRetries, config.Router.CooldownTime));
    }

    [Fact]
    public void LoadFile_ZaiExample_UsesZaiEndpointAndEnvKeys()
    {
        var env = Env(("ZAI_API_KEY_1", "k1"), ("ZAI_API_KEY_2", "k2"), ("ZAI_API_KEY_3", "k3"));

        var config = ConfigLoader.LoadOrThrow(RepoFile(Path.Combine("examples", "litellm-config.example.yaml")), env);

        Assert.Equal(["k1", "k2", "k3"], config.ModelList.Select(d => d.ApiKey));
        Assert.All(config.ModelList, d => Assert.Equal("https://api.z.ai/api/paas/v4", d.ApiBase));
    }

    [Fact]
    public void LoadFile_MissingFile_ReportsError()
    {
        var result = ConfigLoader.LoadFile(Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".yaml"), NoEnv);

        Assert.False(result.IsValid);
        Assert.Contains("cannot read config file", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void LoadOrThrow_InvalidFile_ThrowsWithEveryError()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".yaml");
        File.WriteAllText(path, """
            model_list:
              - model_name: g
                litellm_params: {model: opnai/x}
              - model_name: g
                litellm_params: {model: zai/x, rpm: -1}
            """);
        try
        {
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadOrThrow(path, NoEnv));

            Assert.Equal(2, e.Errors.Count);
            Assert.Contains("model_list[0].litellm_params.model: unknown provider 'opnai'", e.Message);
            Assert.Contains("model_list[1].litellm_params.rpm: must be greater than 0", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
