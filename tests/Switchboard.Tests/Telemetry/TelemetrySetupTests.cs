using OpenTelemetry.Exporter;
using Switchboard.Config;
using Switchboard.Telemetry;

namespace Switchboard.Tests.Telemetry;

public sealed class TelemetrySetupTests
{
    private static readonly GatewayConfig Plain = new() { ModelList = [] };

    [Fact]
    public void TraceExportFor_NothingConfigured_NoExport() =>
        Assert.Null(TelemetrySetup.TraceExportFor(Plain, null, _ => null));

    [Fact]
    public void TraceExportFor_OtelCallback_ExportsWithTheSdkEnvironment()
    {
        var config = Plain with { LiteLlm = new LiteLlmSettings { Callbacks = ["otel"] } };
        Assert.Equal(new TraceExport(null, null), TelemetrySetup.TraceExportFor(config, null, _ => null));
    }

    [Fact]
    public void TraceExportFor_OtlpEndpointVariable_ExportsWithTheSdkEnvironment() =>
        Assert.Equal(new TraceExport(null, null), TelemetrySetup.TraceExportFor(Plain, null, n => n == "OTEL_EXPORTER_OTLP_ENDPOINT" ? "http://collector:4317" : null));

    [Fact]
    public void TraceExportFor_LiteLlmVariables_HttpGetsTheTracesPath()
    {
        var export = TelemetrySetup.TraceExportFor(Plain, null, n => n switch
        {
            "OTEL_ENDPOINT" => "http://collector:4318",
            "OTEL_EXPORTER" => "otlp_http",
            _ => null,
        });
        Assert.Equal(new TraceExport(new Uri("http://collector:4318/v1/traces"), OtlpExportProtocol.HttpProtobuf), export);
        var grpc = TelemetrySetup.TraceExportFor(Plain, null, n => n switch
        {
            "OTEL_ENDPOINT" => "http://collector:4317",
            "OTEL_EXPORTER" => "otlp_grpc",
            _ => null,
        });
        Assert.Equal(new TraceExport(new Uri("http://collector:4317"), OtlpExportProtocol.Grpc), grpc);
    }
}
