using System.Collections.Concurrent;
using System.Text.Json;

namespace Switchboard.MockProvider;

/// <summary>Calls per key, in flight per key and the peak of that, for tests that check what the gateway really sent.</summary>
internal sealed class MockStats
{
    private ConcurrentDictionary<string, MockKeyCounters> _keys = new(StringComparer.Ordinal);

    public long Total
    {
        get
        {
            long total = 0;
            foreach (var pair in _keys) total += pair.Value.Calls;
            return total;
        }
    }

    public MockKeyStats this[string key] =>
        _keys.TryGetValue(key, out var c) ? new(c.Calls, c.InFlight, c.MaxInFlight) : default;

    public IReadOnlyDictionary<string, MockKeyStats> Snapshot()
    {
        var result = new SortedDictionary<string, MockKeyStats>(StringComparer.Ordinal);
        foreach (var pair in _keys) result[pair.Key] = new(pair.Value.Calls, pair.Value.InFlight, pair.Value.MaxInFlight);
        return result;
    }

    /// <summary>Forgets every key. Calls in flight finish against the old counters, so they never go negative.</summary>
    public void Reset() => Interlocked.Exchange(ref _keys, new(StringComparer.Ordinal));

    internal MockKeyCounters For(string key) => _keys.GetOrAdd(key, static _ => new MockKeyCounters());

    internal void WriteJson(Utf8JsonWriter writer)
    {
        var snapshot = Snapshot();
        long total = 0;
        writer.WriteStartObject();
        writer.WriteStartObject("keys");
        foreach (var (key, stats) in snapshot)
        {
            total += stats.Calls;
            writer.WriteStartObject(key);
            writer.WriteNumber("calls", stats.Calls);
            writer.WriteNumber("in_flight", stats.InFlight);
            writer.WriteNumber("max_in_flight", stats.MaxInFlight);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteNumber("total", total);
        writer.WriteEndObject();
    }
}
