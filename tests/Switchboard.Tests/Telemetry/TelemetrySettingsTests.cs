using Switchboard.Config;
using static Switchboard.Tests.Config.ConfigTestData;

namespace Switchboard.Tests.Telemetry;

public sealed class TelemetrySettingsTests
{
    [Fact]
    public void LoadYaml_TelemetrySettings_ParsedAndUnknownCallbacksWarned()
    {
        const string yaml = """
            model_list:
              - model_name: g
                litellm_params: {model: zai/x, api_key: k1}
            litellm_settings:
              callbacks: ["otel", "langfuse"]
              success_callback: prometheus
              require_auth_for_metrics_endpoint: true
              json_logs: true
            general_settings:
              metrics_port: 9464
              disable_metrics: false
              log_max_size_mb: 50
              log_max_files: 3
            """;

        var result = ConfigLoader.LoadYaml(yaml, null, NoEnv);

        Assert.Empty(result.Errors);
        var config = result.Config!;
        Assert.Equal(["otel", "prometheus"], config.LiteLlm.Callbacks);
        Assert.True(config.LiteLlm.RequireAuthForMetricsEndpoint);
        Assert.True(config.LiteLlm.JsonLogs);
        Assert.Equal(9464, config.General.MetricsPort);
        Assert.False(config.General.DisableMetrics);
        Assert.Equal(50, config.General.LogMaxSizeMb);
        Assert.Equal(3, config.General.LogMaxFiles);
        Assert.Equal(["litellm_settings.callbacks: not supported by Switchboard, ignored"], result.Warnings);
    }

    [Fact]
    public void LoadYaml_NoTelemetrySettings_MetricsOnNoAuthNoRotation()
    {
        var config = ConfigLoader.LoadYaml("model_list: [{model_name: g, litellm_params: {model: zai/x, api_key: k1}}]", null, NoEnv).Config!;
        Assert.Empty(config.LiteLlm.Callbacks);
        Assert.False(config.LiteLlm.RequireAuthForMetricsEndpoint);
        Assert.False(config.General.DisableMetrics);
        Assert.Null(config.General.MetricsPort);
        Assert.Null(config.General.LogMaxSizeMb);
    }
}
