using Switchboard.Config;
using static Switchboard.Tests.Config.ConfigTestData;

namespace Switchboard.Tests.Config;

/// <summary>The settings of stream and key health: <c>stream_idle_timeout</c>, <c>disabled_probe_interval</c>.</summary>
public sealed class ConfigLoaderStreamHealthTests
{
    [Fact]
    public void LoadYaml_NoHealthSettings_IdleTimeout120sAndNoProbe()
    {
        var result = ConfigLoader.LoadYaml(OneMock, null, NoEnv);

        Assert.Empty(result.Errors);
        Assert.Equal(TimeSpan.FromSeconds(120), result.Config!.Router.StreamIdleTimeout);
        Assert.Null(result.Config.Router.DisabledProbeInterval);
        Assert.Null(Assert.Single(result.Config.ModelList).StreamIdleTimeout);
    }

    [Fact]
    public void LoadYaml_StreamIdleTimeoutInRouterAndDeployment_BothParsed()
    {
        const string yaml = OneMock + """

                  stream_idle_timeout: 7.5
            router_settings:
              stream_idle_timeout: 30
              disabled_probe_interval: 300
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, NoEnv);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.Equal(TimeSpan.FromSeconds(30), result.Config!.Router.StreamIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(300), result.Config.Router.DisabledProbeInterval);
        Assert.Equal(TimeSpan.FromSeconds(7.5), Assert.Single(result.Config.ModelList).StreamIdleTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("soon")]
    public void LoadYaml_BadStreamIdleTimeout_Error(string value)
    {
        var yaml = OneMock + $"""

            router_settings:
              stream_idle_timeout: {value}
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, NoEnv);

        Assert.Contains(result.Errors, e => e.Path.Contains("stream_idle_timeout", StringComparison.Ordinal));
    }
}
