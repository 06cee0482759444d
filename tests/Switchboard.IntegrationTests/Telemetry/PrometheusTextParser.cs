using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Switchboard.IntegrationTests.Telemetry;

/// <summary>One sample of an exposition: its name, labels and value.</summary>
internal sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var v) ? v : "";
}

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4 and of OpenMetrics 1.0 (what a scraper must accept):
/// every line well formed, one TYPE per family before its samples, sample names that belong to their family's type,
/// label names valid and unique, values that parse, no series twice, histogram buckets cumulative with +Inf equal to the
/// count, and OpenMetrics' closing <c># EOF</c>. Throws <see cref="FormatException"/> naming the line on any fault.
/// </summary>
internal static partial class PrometheusTextParser
{
    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public static (List<PromSample> Samples, Dictionary<string, string> Types) Parse(string text, bool openMetrics)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the exposition does not end with a newline");
        }

        var lines = text.Split('\n');
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<PromSample>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sampled = new HashSet<string>(StringComparer.Ordinal);
        var sawEof = false;
        for (var n = 0; n < lines.Length - 1; n++)
        {
            var line = lines[n];
            var where = $"line {n + 1}: '{line}'";
            if (sawEof)
            {
                throw new FormatException($"{where}: text after # EOF");
            }

            if (line.Length == 0)
            {
                if (openMetrics)
                {
                    throw new FormatException($"{where}: empty line in OpenMetrics");
                }

                continue;
            }

            if (line.StartsWith('#'))
            {
                if (line == "# EOF" && openMetrics)
                {
                    sawEof = true;
                    continue;
                }

                var parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[1] is "HELP" or "TYPE")
                {
                    if (!MetricName().IsMatch(parts[2]))
                    {
                        throw new FormatException($"{where}: bad metric name");
                    }

                    if (parts[1] == "TYPE")
                    {
                        if (parts.Length != 4 || parts[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped" or "unknown"))
                        {
                            throw new FormatException($"{where}: bad TYPE");
                        }

                        if (!types.TryAdd(parts[2], parts[3]) || sampled.Contains(parts[2]))
                        {
                            throw new FormatException($"{where}: TYPE repeated or after the family's samples");
                        }
                    }

                    continue;
                }

                if (openMetrics)
                {
                    throw new FormatException($"{where}: unknown comment in OpenMetrics");
                }

                continue;
            }

            var sample = ParseSample(line, where);
            var family = FamilyOf(sample.Name, types, openMetrics) ?? throw new FormatException($"{where}: sample of no declared family");
            sampled.Add(family);
            var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)) + "}";
            if (!seen.Add(key))
            {
                throw new FormatException($"{where}: series repeated");
            }

            samples.Add(sample);
        }

        if (openMetrics && !sawEof)
        {
            throw new FormatException("OpenMetrics exposition without # EOF");
        }

        CheckHistograms(samples, types);
        return (samples, types);
    }

    private static string? FamilyOf(string name, Dictionary<string, string> types, bool openMetrics)
    {
        if (types.TryGetValue(name, out var type))
        {
            // In text 0.0.4 a counter is declared under its _total name; in OpenMetrics never.
            return type is "counter" && openMetrics ? null : type is "histogram" ? null : name;
        }

        foreach (var suffix in new[] { "_total", "_bucket", "_count", "_sum", "_created" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(name[..^suffix.Length], out var t))
            {
                var ok = (t, suffix) switch
                {
                    ("counter", "_total") => openMetrics,
                    ("histogram", "_bucket" or "_count" or "_sum") => true,
                    _ => false,
                };
                return ok ? name[..^suffix.Length] : null;
            }
        }

        return null;
    }

    private static PromSample ParseSample(string line, string where)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' '))
        {
            i++;
        }

        var name = line[..i];
        if (!MetricName().IsMatch(name))
        {
            throw new FormatException($"{where}: bad metric name");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i >= line.Length)
                {
                    throw new FormatException($"{where}: unterminated labels");
                }

                if (line[i] == '}')
                {
                    i++;
                    break;
                }

                var eq = line.IndexOf('=', i);
                if (eq < 0)
                {
                    throw new FormatException($"{where}: label without '='");
                }

                var labelName = line[i..eq];
                if (!LabelName().IsMatch(labelName) || labelName.StartsWith("__", StringComparison.Ordinal))
                {
                    throw new FormatException($"{where}: bad label name '{labelName}'");
                }

                i = eq + 1;
                if (i >= line.Length || line[i] != '"')
                {
                    throw new FormatException($"{where}: label value not quoted");
                }

                i++;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new FormatException($"{where}: unterminated label value");
                    }

                    var c = line[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        if (i >= line.Length)
                        {
                            throw new FormatException($"{where}: dangling escape");
                        }

                        var e = line[i++];
                        value.Append(e switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"{where}: bad escape \\{e}"),
                        });
                        continue;
                    }

                    value.Append(c);
                }

                if (!labels.TryAdd(labelName, value.ToString()))
                {
                    throw new FormatException($"{where}: label '{labelName}' repeated");
                }

                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
                else if (i >= line.Length || line[i] != '}')
                {
                    throw new FormatException($"{where}: expected ',' or '}}' after a label");
                }
            }
        }

        if (i >= line.Length || line[i] != ' ')
        {
            throw new FormatException($"{where}: expected a space before the value");
        }

        var rest = line[(i + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2)
        {
            throw new FormatException($"{where}: expected a value and at most a timestamp");
        }

        return new PromSample(name, labels, ParseValue(rest[0], where));
    }

    private static double ParseValue(string text, string where) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"{where}: bad value '{text}'"),
    };

    private static void CheckHistograms(List<PromSample> samples, Dictionary<string, string> types)
    {
        foreach (var (family, _) in types.Where(t => t.Value == "histogram"))
        {
            var series = samples.Where(s => s.Name == family + "_bucket")
                .GroupBy(s => string.Join(",", s.Labels.Where(p => p.Key != "le").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)));
            foreach (var buckets in series)
            {
                var previous = 0.0;
                var previousLe = double.NegativeInfinity;
                foreach (var bucket in buckets)
                {
                    var le = ParseValue(bucket.Label("le"), $"{family} le");
                    if (le <= previousLe || bucket.Value < previous)
                    {
                        throw new FormatException($"{family}{{{buckets.Key}}}: buckets not increasing/cumulative at le={bucket.Label("le")}");
                    }

                    previous = bucket.Value;
                    previousLe = le;
                }

                if (!double.IsPositiveInfinity(previousLe))
                {
                    throw new FormatException($"{family}{{{buckets.Key}}}: no +Inf bucket");
                }

                var count = samples.Single(s => s.Name == family + "_count" && Same(s, buckets.First()));
                if (count.Value != previous)
                {
                    throw new FormatException($"{family}{{{buckets.Key}}}: _count {count.Value} differs from the +Inf bucket {previous}");
                }

                _ = samples.Single(s => s.Name == family + "_sum" && Same(s, buckets.First()));
            }
        }
    }

    private static bool Same(PromSample sample, PromSample bucket) =>
        sample.Labels.Count == bucket.Labels.Count - 1 && sample.Labels.All(p => bucket.Labels.TryGetValue(p.Key, out var v) && v == p.Value);
}
