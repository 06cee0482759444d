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
}
