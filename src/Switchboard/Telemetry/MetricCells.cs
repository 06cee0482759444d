namespace Switchboard.Telemetry;

/// <summary>A monotonically growing value (a Prometheus counter's series); lock-free, safe from any thread.</summary>
internal sealed class CounterCell
{
    private long _bits;

    public double Value => BitConverter.Int64BitsToDouble(Volatile.Read(ref _bits));

    public void Increment() => Add(1);

    public void Add(double amount)
    {
        if (amount <= 0 || !double.IsFinite(amount))
        {
            return;
        }

        var current = Volatile.Read(ref _bits);
        while (true)
        {
            var next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(current) + amount);
            var seen = Interlocked.CompareExchange(ref _bits, next, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

/// <summary>A value set as a whole (a gauge's series).</summary>
internal sealed class GaugeCell
{
    private long _bits;

    public double Value => BitConverter.Int64BitsToDouble(Volatile.Read(ref _bits));

    public void Set(double value) => Volatile.Write(ref _bits, BitConverter.DoubleToInt64Bits(value));
}

/// <summary>A histogram's series: a count per bucket (not cumulative here; cumulated when written), the count and the sum.</summary>
internal sealed class HistogramCell
{
    /// <summary>LiteLLM's latency buckets in seconds (<c>LATENCY_BUCKETS</c> of its Prometheus integration), without +Inf.</summary>
    public static readonly double[] LatencyBuckets =
    [
        0.005, 0.00625, 0.0125, 0.025, 0.05, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0,
        8.5, 9.0, 9.5, 10.0, 15.0, 20.0, 25.0, 30.0, 60.0, 120.0, 180.0, 240.0, 300.0,
    ];

    private readonly long[] _buckets;
    private readonly CounterCell _sum = new();
    private long _count;

    public HistogramCell(double[] bounds)
    {
        Bounds = bounds;
        _buckets = new long[bounds.Length + 1];
    }

    public double[] Bounds { get; }

    public long Count => Volatile.Read(ref _count);

    public double Sum => _sum.Value;

    public void Observe(double value)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            return;
        }

        var bounds = Bounds;
        var i = 0;
        while (i < bounds.Length && value > bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref _buckets[i]);
        _sum.Add(value);
        Interlocked.Increment(ref _count);
    }

    /// <summary>Adds another histogram's observations (same bounds) to this one.</summary>
    public void AddFrom(HistogramCell other)
    {
        for (var i = 0; i < _buckets.Length; i++)
        {
            Interlocked.Add(ref _buckets[i], other.BucketCount(i));
        }

        _sum.Add(other.Sum);
        Interlocked.Add(ref _count, other.Count);
    }

    /// <summary>Calls in bucket <paramref name="index"/> alone (index <see cref="Bounds"/>.Length is above the last bound).</summary>
    public long BucketCount(int index) => Volatile.Read(ref _buckets[index]);

    /// <summary>An estimate of the q-quantile (0..1) by linear interpolation inside its bucket, as Prometheus' histogram_quantile; null when empty.</summary>
    public double? Quantile(double q)
    {
        var total = 0L;
        var counts = new long[_buckets.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = BucketCount(i);
            total += counts[i];
        }

        if (total == 0)
        {
            return null;
        }

        var rank = q * total;
        var seen = 0L;
        for (var i = 0; i < counts.Length; i++)
        {
            if (seen + counts[i] >= rank && counts[i] > 0)
            {
                if (i == Bounds.Length)
                {
                    return Bounds[^1];
                }

                var lower = i == 0 ? 0 : Bounds[i - 1];
                return lower + ((Bounds[i] - lower) * ((rank - seen) / counts[i]));
            }

            seen += counts[i];
        }

        return Bounds[^1];
    }
}
