using System.Runtime.CompilerServices;
using Switchboard.Storage;

namespace Switchboard.Usage;

/// <summary>
/// A usage record as the sink holds it until it is stored: a struct in a reused array, with the request id's
/// characters inline. Records wait up to a flush interval (250 ms), longer than the runtime's young generation lives
/// under load, so records held as objects were promoted and collected in older generations: measured under load, 1.1 vs
/// 0.55 µs of GC pause per call, with gen1 and gen2 collections that otherwise do not happen. Held this way, a
/// successful call keeps no per-call object alive: its other references (key hash and alias, group, deployment, model,
/// API) are long-lived strings from the key cache, the config or literals. (A failed call's error class, or a group
/// that was never resolved, may be a string of its own; those calls are the rare ones.)
/// </summary>
internal readonly struct PendingUsage
{
    /// <summary>Longest request id kept inline (a generated id has 32 characters); longer ones keep their string.</summary>
    public const int InlineIdLength = 40;

    private readonly RequestIdChars _idChars;
    private readonly int _idLength;
    private readonly string? _longId;

    /// <summary>The record's fields; a call queues its usage without the record object (docs/benchmarks.md).</summary>
    public PendingUsage(UsageRecord record)
    {
        Time = record.Time;
        RequestId = record.RequestId;
        KeyHash = record.KeyHash;
        KeyAlias = record.KeyAlias;
        ModelGroup = record.ModelGroup;
        DeploymentId = record.DeploymentId;
        UpstreamModel = record.UpstreamModel;
        ErrorClass = record.ErrorClass;
        Api = record.Api;
        HttpStatus = record.HttpStatus;
        Retries = record.Retries;
        PromptTokens = record.PromptTokens;
        CompletionTokens = record.CompletionTokens;
        CachedTokens = record.CachedTokens;
        CacheCreationTokens = record.CacheCreationTokens;
        Cost = record.Cost;
        LatencyMs = record.LatencyMs;
        TtftMs = record.TtftMs;
        TokensEstimated = record.TokensEstimated;
        Stream = record.Stream;
        CacheHit = record.CacheHit;
    }

    /// <summary>The request id: inline when it fits (a generated id does), else the string is kept.</summary>
    public string RequestId
    {
        get => _longId ?? new string(((ReadOnlySpan<char>)_idChars)[.._idLength]);
        init
        {
            if (value.Length <= InlineIdLength)
            {
                value.CopyTo(_idChars);
                _idLength = value.Length;
                _longId = null;
            }
            else
            {
                _longId = value;
            }
        }
    }

    public DateTimeOffset Time { get; init; }

    public string? KeyHash { get; init; }

    public string? KeyAlias { get; init; }

    public string ModelGroup { get; init; }

    public string? DeploymentId { get; init; }

    public string? UpstreamModel { get; init; }

    public string? ErrorClass { get; init; }

    public string Api { get; init; }

    public int HttpStatus { get; init; }

    public int Retries { get; init; }

    public long PromptTokens { get; init; }

    public long CompletionTokens { get; init; }

    public long CachedTokens { get; init; }

    public long CacheCreationTokens { get; init; }

    public double Cost { get; init; }

    public double LatencyMs { get; init; }

    public double? TtftMs { get; init; }

    public bool TokensEstimated { get; init; }

    public bool Stream { get; init; }

    public bool CacheHit { get; init; }

    /// <summary>The record again, for the store (made on the writer thread, where it lives only as long as the batch).</summary>
    public UsageRecord ToRecord() => new()
    {
        Time = Time,
        RequestId = RequestId,
        KeyHash = KeyHash,
        KeyAlias = KeyAlias,
        ModelGroup = ModelGroup ?? "",
        DeploymentId = DeploymentId,
        UpstreamModel = UpstreamModel,
        HttpStatus = HttpStatus,
        ErrorClass = ErrorClass,
        Retries = Retries,
        PromptTokens = PromptTokens,
        CompletionTokens = CompletionTokens,
        CachedTokens = CachedTokens,
        CacheCreationTokens = CacheCreationTokens,
        TokensEstimated = TokensEstimated,
        Cost = Cost,
        LatencyMs = LatencyMs,
        TtftMs = TtftMs,
        Stream = Stream,
        CacheHit = CacheHit,
        Api = Api ?? "openai",
    };

    [InlineArray(InlineIdLength)]
    private struct RequestIdChars
    {
        private char _first;
    }
}

/// <summary>
/// The first <c>count</c> pending records as the store's batch: each record is made when the store reads it and can
/// be collected as soon as it is written (a store reads a batch row by row). A batch made whole up front kept a few
/// thousand records alive for the length of the write, long enough for some to be promoted.
/// </summary>
internal sealed class PendingBatch(List<PendingUsage> buffer, int count) : IReadOnlyList<UsageRecord>
{
    public int Count { get; } = Math.Min(count, buffer.Count);

    public UsageRecord this[int index] =>
        (uint)index < (uint)Count ? System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer)[index].ToRecord()
            : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<UsageRecord> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
