namespace Switchboard.MockProvider;

/// <summary>A snapshot of one key's counters, as <c>GET /_stats</c> reports them.</summary>
internal readonly record struct MockKeyStats(long Calls, int InFlight, int MaxInFlight);
