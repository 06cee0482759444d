namespace Switchboard.Routing;

/// <summary>The last 256 samples (milliseconds) with an EWMA, for percentiles and latency-based routing. Used under the group's lock.</summary>
internal sealed class SampleRing
{
    private const int Capacity = 256;
    private const double Alpha = 0.3;
    private readonly double[] _samples = new double[Capacity];
    private int _next;

    public int Count { get; private set; }

    /// <summary>Exponentially weighted mean, recent samples weigh most; 0 before the first sample.</summary>
    public double Ewma { get; private set; }

    public void Add(double ms)
    {
        _samples[_next] = ms;
        _next = (_next + 1) % Capacity;
        Ewma = Count == 0 ? ms : (Alpha * ms) + ((1 - Alpha) * Ewma);
        Count = Math.Min(Count + 1, Capacity);
    }

    /// <summary>Nearest-rank percentile of the stored samples, null when there are none.</summary>
    public double? Percentile(double p)
    {
        if (Count == 0)
        {
            return null;
        }

        var copy = _samples.AsSpan(0, Count).ToArray();
        Array.Sort(copy);
        var rank = (int)Math.Ceiling(p / 100 * Count) - 1;
        return copy[Math.Clamp(rank, 0, Count - 1)];
    }
}
