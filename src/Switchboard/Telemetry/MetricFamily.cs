using System.Collections.Concurrent;

namespace Switchboard.Telemetry;

internal enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>
/// One metric with its label names and series. Finding a series by its label values allocates the first time only;
/// the hot path keeps the cells it found (pre-resolved per deployment, caller and model), never the values.
/// </summary>
internal sealed class MetricFamily
{
    private readonly ConcurrentDictionary<LabelValues, object> _series = new();
    private readonly double[] _bounds;

    public MetricFamily(string name, string help, MetricKind kind, string[] labelNames, double[]? bounds = null)
    {
        Name = name;
        Help = help;
        Kind = kind;
        LabelNames = labelNames;
        _bounds = bounds ?? HistogramCell.LatencyBuckets;
    }

    public string Name { get; }
    public string Help { get; }
    public MetricKind Kind { get; }
    public string[] LabelNames { get; }

    public IEnumerable<KeyValuePair<LabelValues, object>> Series => _series;

    public CounterCell Counter(params string[] values) => (CounterCell)Get(values);

    public GaugeCell Gauge(params string[] values) => (GaugeCell)Get(values);

    public HistogramCell Histogram(params string[] values) => (HistogramCell)Get(values);

    private object Get(string[] values)
    {
        if (values.Length != LabelNames.Length)
        {
            throw new ArgumentException($"{Name} has {LabelNames.Length} labels, got {values.Length} values.", nameof(values));
        }

        return _series.GetOrAdd(new LabelValues(values), static (_, family) => family.Kind switch
        {
            MetricKind.Counter => new CounterCell(),
            MetricKind.Gauge => new GaugeCell(),
            _ => new HistogramCell(family._bounds),
        }, this);
    }
}

/// <summary>The label values of one series, compared by value.</summary>
internal sealed class LabelValues : IEquatable<LabelValues>
{
    private readonly int _hash;

    public LabelValues(string[] values)
    {
        Values = values;
        var hash = new HashCode();
        foreach (var v in values)
        {
            hash.Add(v, StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    public string[] Values { get; }

    public bool Equals(LabelValues? other) =>
        other is not null && _hash == other._hash && Values.AsSpan().SequenceEqual(other.Values);

    public override bool Equals(object? obj) => Equals(obj as LabelValues);

    public override int GetHashCode() => _hash;
}
