using System.Globalization;
using System.Text;

namespace Switchboard.Telemetry;

/// <summary>
/// Writes metric families in the Prometheus text exposition format 0.0.4 as Python's prometheus_client writes it (what
/// LiteLLM serves: counters as <c>name_total</c>, floats as <c>1.0</c>), or in OpenMetrics 1.0 when the scraper asks.
/// </summary>
internal static class PrometheusText
{
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>True when the Accept header prefers OpenMetrics (Prometheus sends it first when it supports it).</summary>
    public static bool WantsOpenMetrics(string? accept) =>
        accept is not null && accept.Contains("application/openmetrics-text", StringComparison.OrdinalIgnoreCase);

    public static void Write(StringBuilder output, IEnumerable<MetricFamily> families, bool openMetrics)
    {
        foreach (var family in families)
        {
            WriteFamily(output, family, openMetrics);
        }

        if (openMetrics)
        {
            output.Append("# EOF\n");
        }
    }

    private static void WriteFamily(StringBuilder output, MetricFamily family, bool openMetrics)
    {
        var counter = family.Kind == MetricKind.Counter;
        var headerName = counter && !openMetrics ? family.Name + "_total" : family.Name;
        output.Append("# HELP ").Append(headerName).Append(' ');
        AppendEscaped(output, family.Help, quote: false);
        output.Append('\n');
        output.Append("# TYPE ").Append(headerName).Append(' ').Append(family.Kind switch
        {
            MetricKind.Counter => "counter",
            MetricKind.Gauge => "gauge",
            _ => "histogram",
        }).Append('\n');
        foreach (var (labels, cell) in family.Series)
        {
            switch (cell)
            {
                case CounterCell c:
                    Sample(output, family.Name + "_total", family.LabelNames, labels.Values, null, c.Value);
                    break;
                case GaugeCell g:
                    Sample(output, family.Name, family.LabelNames, labels.Values, null, g.Value);
                    break;
                case HistogramCell h:
                    var cumulative = 0L;
                    for (var i = 0; i <= h.Bounds.Length; i++)
                    {
                        cumulative += h.BucketCount(i);
                        Sample(output, family.Name + "_bucket", family.LabelNames, labels.Values, i < h.Bounds.Length ? Number(h.Bounds[i]) : "+Inf", cumulative);
                    }

                    // The count is the +Inf bucket's, so that the two agree within one scrape.
                    Sample(output, family.Name + "_count", family.LabelNames, labels.Values, null, cumulative);
                    Sample(output, family.Name + "_sum", family.LabelNames, labels.Values, null, h.Sum);
                    break;
            }
        }
    }

    private static void Sample(StringBuilder output, string name, string[] labelNames, string[] values, string? le, double value)
    {
        output.Append(name);
        if (labelNames.Length > 0 || le is not null)
        {
            output.Append('{');
            for (var i = 0; i < labelNames.Length; i++)
            {
                if (i > 0)
                {
                    output.Append(',');
                }

                output.Append(labelNames[i]).Append("=\"");
                AppendEscaped(output, values[i], quote: true);
                output.Append('"');
            }

            if (le is not null)
            {
                output.Append(labelNames.Length > 0 ? ",le=\"" : "le=\"").Append(le).Append('"');
            }

            output.Append('}');
        }

        output.Append(' ').Append(Number(value)).Append('\n');
    }

    /// <summary>Python's float repr: <c>1.0</c>, <c>0.00625</c>, <c>+Inf</c>, <c>NaN</c>.</summary>
    internal static string Number(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (value == Math.Floor(value) && Math.Abs(value) < 1e16)
        {
            return value.ToString("0", CultureInfo.InvariantCulture) + ".0";
        }

        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    private static void AppendEscaped(StringBuilder output, string text, bool quote)
    {
        foreach (var ch in text)
        {
            switch (ch)
            {
                case '\\': output.Append("\\\\"); break;
                case '\n': output.Append("\\n"); break;
                case '"' when quote: output.Append("\\\""); break;
                default: output.Append(ch); break;
            }
        }
    }
}
