using System.Net;
using Switchboard.Cluster;
using Switchboard.Config;

namespace Switchboard.Tests.Cluster;

public sealed class RedisSettingsTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void Resolve_NothingConfigured_Null()
    {
        Assert.Null(RedisSettings.Resolve(new RouterSettings(), NoEnvironment));
    }

    [Fact]
    public void Resolve_RedisUrlWithPasswordAndDb_EndpointPasswordDatabase()
    {
        var options = RedisSettings.Resolve(new RouterSettings { RedisUrl = "redis://:s3cret@cache.internal:6380/2" }, NoEnvironment)!;

        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(("cache.internal", 6380), (endpoint.Host, endpoint.Port));
        Assert.Equal("s3cret", options.Password);
        Assert.Null(options.User);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.False(options.Ssl);
    }

    [Fact]
    public void Resolve_RedissUrlWithUser_TlsAndUser()
    {
        var options = RedisSettings.Resolve(new RouterSettings { RedisUrl = "rediss://app:p%40ss@cache.internal" }, NoEnvironment)!;

        Assert.True(options.Ssl);
        Assert.Equal("app", options.User);
        Assert.Equal("p@ss", options.Password);
        Assert.Equal(6379, Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints)).Port);
    }

    [Fact]
    public void Resolve_HostPortPassword_UsedWhenNoUrl()
    {
        var options = RedisSettings.Resolve(new RouterSettings { RedisHost = "10.0.0.5", RedisPort = 7000, RedisPassword = "pw" }, NoEnvironment)!;

        var endpoint = Assert.IsType<IPEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(7000, endpoint.Port);
        Assert.Equal("pw", options.Password);
    }

    [Fact]
    public void Resolve_ConfigUrlAndEnvironment_ConfigWins()
    {
        var environment = new Dictionary<string, string?> { ["REDIS_URL"] = "redis://env-host:1111" };
        var options = RedisSettings.Resolve(new RouterSettings { RedisUrl = "redis://config-host:2222" }, n => environment.GetValueOrDefault(n))!;

        Assert.Equal("config-host", Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints)).Host);
    }

    [Fact]
    public void Resolve_EnvironmentHostPortPassword_LikeLiteLlm()
    {
        var environment = new Dictionary<string, string?> { ["REDIS_HOST"] = "env-host", ["REDIS_PORT"] = "6390", ["REDIS_PASSWORD"] = "envpw" };
        var options = RedisSettings.Resolve(new RouterSettings(), n => environment.GetValueOrDefault(n))!;

        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(("env-host", 6390), (endpoint.Host, endpoint.Port));
        Assert.Equal("envpw", options.Password);
    }

    [Fact]
    public void Resolve_Any_NeverWaitsForAnAbsentRedis()
    {
        var options = RedisSettings.Resolve(new RouterSettings { RedisHost = "localhost" }, NoEnvironment)!;

        Assert.False(options.AbortOnConnectFail);
        Assert.Equal(StackExchange.Redis.BacklogPolicy.FailFast, options.BacklogPolicy);
    }

    [Fact]
    public void Resolve_SentinelNodesAndServiceName_SentinelEndpointsAndServiceName()
    {
        var options = RedisSettings.Resolve(new RouterSettings
        {
            RedisServiceName = "mymaster",
            RedisSentinelNodes = ["10.0.0.1:26379", "sentinel-b"],
            RedisPassword = "masterpw",
        }, NoEnvironment)!;

        Assert.Equal("mymaster", options.ServiceName);
        Assert.Equal(2, options.EndPoints.Count);
        Assert.Contains(options.EndPoints, e => e is DnsEndPoint { Host: "sentinel-b", Port: 26379 });
        Assert.Equal("masterpw", options.Password);
        Assert.False(options.AbortOnConnectFail);
    }

    [Fact]
    public void Resolve_EnvironmentSentinelJsonAsLiteLlm_SentinelOptions()
    {
        var environment = new Dictionary<string, string?>
        {
            ["REDIS_SENTINEL_NODES"] = """[["localhost", 26379], ["localhost", 26380]]""",
            ["REDIS_SERVICE_NAME"] = "mymaster",
            ["REDIS_SENTINEL_PASSWORD"] = "sentinelpw",
        };
        var options = RedisSettings.Resolve(new RouterSettings(), n => environment.GetValueOrDefault(n))!;

        Assert.Equal("mymaster", options.ServiceName);
        Assert.Equal([26379, 26380], options.EndPoints.Select(e => ((DnsEndPoint)e).Port).Order());
        Assert.Equal("sentinelpw", options.Password);
    }

    [Fact]
    public void Resolve_EnvironmentClusterNodesJson_EveryNodeAnEndpoint()
    {
        var environment = new Dictionary<string, string?>
        {
            ["REDIS_CLUSTER_NODES"] = """[{"host": "127.0.0.1", "port": "7001"}, {"host": "127.0.0.1", "port": 7002}]""",
            ["REDIS_SSL"] = "True",
        };
        var options = RedisSettings.Resolve(new RouterSettings(), n => environment.GetValueOrDefault(n))!;

        Assert.Equal([7001, 7002], options.EndPoints.Select(e => ((IPEndPoint)e).Port).Order());
        Assert.Null(options.ServiceName);
        Assert.True(options.Ssl);
    }

    [Fact]
    public void Resolve_ClusterNodesInConfig_WinOverUrl()
    {
        var options = RedisSettings.Resolve(new RouterSettings { RedisClusterNodes = ["n1:7001", "n2:7002", "n3:7003"], RedisUrl = "redis://single:6379" }, NoEnvironment)!;

        Assert.Equal(3, options.EndPoints.Count);
    }

    [Fact]
    public void Resolve_SslAndUsername_AppliedToHostForm()
    {
        var options = RedisSettings.Resolve(new RouterSettings { RedisHost = "h", RedisSsl = true, RedisUsername = "app" }, NoEnvironment)!;

        Assert.True(options.Ssl);
        Assert.Equal("app", options.User);
    }

    [Fact]
    public void ForCache_CacheParamsSentinel_ServiceNameAndNodes()
    {
        var config = new GatewayConfig
        {
            ModelList = [],
            LiteLlm = new LiteLlmSettings
            {
                Cache = true,
                CacheParams = new Dictionary<string, string> { ["type"] = "redis", ["service_name"] = "mymaster", ["sentinel_nodes"] = "localhost:26379" },
            },
        };

        var options = RedisSettings.ForCache(config, NoEnvironment)!;

        Assert.Equal("mymaster", options.ServiceName);
        Assert.Equal(26379, Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints)).Port);
    }

    [Fact]
    public void ForCache_NoCacheParamsRedis_FallsBackToRouterSettings()
    {
        var config = new GatewayConfig { ModelList = [], Router = new RouterSettings { RedisUrl = "rediss://router-host:6380" } };

        var options = RedisSettings.ForCache(config, NoEnvironment)!;

        Assert.True(options.Ssl);
        Assert.Equal("router-host", Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints)).Host);
    }

    [Fact]
    public void Nodes_BadJson_FormatException()
    {
        Assert.Throws<FormatException>(() => RedisSettings.Nodes("[[\"h\", "));
    }

    [Fact]
    public void Resolve_YamlAsLiteLlmWritesIt_SentinelForRouterClusterForCache()
    {
        const string yaml = """
            model_list:
              - model_name: glm
                litellm_params: {model: openai/glm-4.6, api_base: "http://127.0.0.1:9/v1", api_key: sk-x}
            router_settings:
              service_name: mymaster
              sentinel_nodes: [["10.0.0.1", 26379], ["10.0.0.2", 26379]]
              sentinel_password: spw
            litellm_settings:
              cache: true
              cache_params:
                type: redis
                redis_startup_nodes: [{"host": "10.0.1.1", "port": "7001"}, {"host": "10.0.1.2", "port": 7002}]
            """;

        var result = Switchboard.Config.ConfigLoader.LoadYaml(yaml, null, NoEnvironment);

        Assert.Empty(result.Errors);
        var router = RedisSettings.Resolve(result.Config!.Router, NoEnvironment)!;
        Assert.Equal("mymaster", router.ServiceName);
        Assert.Equal(2, router.EndPoints.Count);
        Assert.Equal("spw", router.Password);
        Assert.DoesNotContain("spw", result.Config.Router.ToString(), StringComparison.Ordinal);
        var cache = RedisSettings.ForCache(result.Config, NoEnvironment)!;
        Assert.Null(cache.ServiceName);
        Assert.Equal([7001, 7002], cache.EndPoints.Select(e => ((IPEndPoint)e).Port).Order());
    }
}
