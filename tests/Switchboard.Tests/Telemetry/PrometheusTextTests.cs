using System.Text;
using Switchboard.Telemetry;

namespace Switchboard.Tests.Telemetry;

public sealed class PrometheusTextTests
{
    [Fact]
    public void Write_Counter_DeclaredAndWrittenWithTotalAsPrometheusClient()
    {
        var family = new MetricFamily("litellm_proxy_total_requests_metric", "Total requests", MetricKind.Counter, ["route", "status_code"]);
        family.Counter("/v1/messages", "200").Add(3);
        var text = Write(openMetrics: false, family);
        Assert.Equal(
            "# HELP litellm_proxy_total_requests_metric_total Total requests\n"
            + "# TYPE litellm_proxy_total_requests_metric_total counter\n"
            + "litellm_proxy_total_requests_metric_total{route=\"/v1/messages\",status_code=\"200\"} 3.0\n",
            text);
    }

    [Fact]
    public void Write_OpenMetrics_CounterFamilyWithoutSuffixAndEof()
    {
        var family = new MetricFamily("litellm_spend_metric", "Spend", MetricKind.Counter, []);
        family.Counter().Add(0.25);
        Assert.Equal("# HELP litellm_spend_metric Spend\n# TYPE litellm_spend_metric counter\nlitellm_spend_metric_total 0.25\n# EOF\n", Write(openMetrics: true, family));
    }

    [Fact]
    public void Write_Histogram_CumulativeBucketsWithLiteLlmBoundsCountAndSum()
    {
        var family = new MetricFamily("litellm_request_total_latency_metric", "Latency", MetricKind.Histogram, ["model"]);
        var cell = family.Histogram("glm-4.6");
        cell.Observe(0.004);
        cell.Observe(0.3);
        cell.Observe(400);
        var lines = Write(openMetrics: false, family).Split('\n');
        Assert.Contains("litellm_request_total_latency_metric_bucket{model=\"glm-4.6\",le=\"0.005\"} 1.0", lines);
        Assert.Contains("litellm_request_total_latency_metric_bucket{model=\"glm-4.6\",le=\"0.1\"} 1.0", lines);
        Assert.Contains("litellm_request_total_latency_metric_bucket{model=\"glm-4.6\",le=\"0.5\"} 2.0", lines);
        Assert.Contains("litellm_request_total_latency_metric_bucket{model=\"glm-4.6\",le=\"300.0\"} 2.0", lines);
        Assert.Contains("litellm_request_total_latency_metric_bucket{model=\"glm-4.6\",le=\"+Inf\"} 3.0", lines);
        Assert.Contains("litellm_request_total_latency_metric_count{model=\"glm-4.6\"} 3.0", lines);
        Assert.Contains("litellm_request_total_latency_metric_sum{model=\"glm-4.6\"} 400.304", lines);
        Assert.Equal(HistogramCell.LatencyBuckets.Length + 1, lines.Count(l => l.Contains("_bucket", StringComparison.Ordinal)));
    }

    [Fact]
    public void Write_LabelValues_EscapedBackslashQuoteNewline()
    {
        var family = new MetricFamily("g", "help with \\ and\nnewline", MetricKind.Gauge, ["v"]);
        family.Gauge("a\\b\"c\nd").Set(1.5);
        Assert.Equal("# HELP g help with \\\\ and\\nnewline\n# TYPE g gauge\ng{v=\"a\\\\b\\\"c\\nd\"} 1.5\n", Write(openMetrics: false, family));
    }

    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(0.00625, "0.00625")]
    [InlineData(120.0, "120.0")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(1e20, "1E+20")]
    public void Number_PythonFloatRepr(double value, string expected) => Assert.Equal(expected, PrometheusText.Number(value));

    [Theory]
    [InlineData("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", true)]
    [InlineData("text/plain;version=0.0.4", false)]
    [InlineData(null, false)]
    public void WantsOpenMetrics_ByAcceptHeader(string? accept, bool expected) => Assert.Equal(expected, PrometheusText.WantsOpenMetrics(accept));

    [Fact]
    public void Counter_ManyThreads_NoIncrementLost()
    {
        var cell = new CounterCell();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                cell.Increment();
            }
        });
        Assert.Equal(80_000, cell.Value);
    }

    [Fact]
    public void Histogram_Quantile_InterpolatesInsideTheBucket()
    {
        var cell = new HistogramCell([1.0, 2.0]);
        cell.Observe(1.5);
        cell.Observe(1.5);
        Assert.Equal(1.5, cell.Quantile(0.5));
        Assert.Null(new HistogramCell([1.0]).Quantile(0.5));
    }

    private static string Write(bool openMetrics, params MetricFamily[] families)
    {
        var output = new StringBuilder();
        PrometheusText.Write(output, families, openMetrics);
        return output.ToString();
    }
}
