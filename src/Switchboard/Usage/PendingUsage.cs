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

    private readonly DateTimeOffset _time;
    private readonly RequestIdChars _idChars;
    private readonly int _idLength;
    private readonly string? _longId;
    private readonly string? _keyHash;
    private readonly string? _keyAlias;
    private readonly string _modelGroup;
    private readonly string? _deploymentId;
    private readonly string? _upstreamModel;
    private readonly string? _errorClass;
    private readonly string _api;
    private readonly int _httpStatus;
    private readonly int _retries;
    private readonly long _promptTokens;
    private readonly long _completionTokens;
    private readonly long _cachedTokens;
    private readonly long _cacheCreationTokens;
    private readonly double _cost;
    private readonly double _latencyMs;
    private readonly double? _ttftMs;
    private readonly bool _tokensEstimated;
    private readonly bool _stream;
    private readonly bool _cacheHit;

    /// <summary>The record's fields; a call queues its usage without the record object (docs/benchmarks.md).</summary>
    public PendingUsage(UsageRecord record)
    {
        Time = record.Time;
        RequestId = record.RequestId;
        KeyHash = record.KeyHash;
        KeyAlias = record.KeyAlias;
        _modelGroup = record.ModelGroup;
        DeploymentId = record.DeploymentId;
        UpstreamModel = record.UpstreamModel;
        ErrorClass = record.ErrorClass;
        _api = record.Api;
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

    public DateTimeOffset Time
    {
        get => _time;
        init => _time = value;
    }

    public string? KeyHash
    {
        get => _keyHash;
        init => _keyHash = value;
    }

    public string? KeyAlias
    {
        get => _keyAlias;
        init => _keyAlias = value;
    }

    public string ModelGroup
    {
        get => _modelGroup;
        init => _modelGroup = value;
    }

    public string? DeploymentId
    {
        get => _deploymentId;
        init => _deploymentId = value;
    }

    public string? UpstreamModel
    {
        get => _upstreamModel;
        init => _upstreamModel = value;
    }

    public string? ErrorClass
    {
        get => _errorClass;
        init => _errorClass = value;
    }

    public string Api
    {
        get => _api;
        init => _api = value;
    }

    public int HttpStatus
    {
        get => _httpStatus;
        init => _httpStatus = value;
    }

    public int Retries
    {
        get => _retries;
        init => _retries = value;
    }

    public long PromptTokens
    {
        get => _promptTokens;
        init => _promptTokens = value;
    }

    public long CompletionTokens
    {
        get => _completionTokens;
        init => _completionTokens = value;
    }

    public long CachedTokens
    {
        get => _cachedTokens;
        init => _cachedTokens = value;
    }

    public long CacheCreationTokens
    {
        get => _cacheCreationTokens;
        init => _cacheCreationTokens = value;
    }

    public double Cost
    {
        get => _cost;
        init => _cost = value;
    }

    public double LatencyMs
    {
        get => _latencyMs;
        init => _latencyMs = value;
    }

    public double? TtftMs
    {
        get => _ttftMs;
        init => _ttftMs = value;
    }

    public bool TokensEstimated
    {
        get => _tokensEstimated;
        init => _tokensEstimated = value;
    }

    public bool Stream
    {
        get => _stream;
        init => _stream = value;
    }

    public bool CacheHit
    {
        get => _cacheHit;
        init => _cacheHit = value;
    }

    /// <summary>The record again, for the store (made on the writer thread, where it lives only as long as the batch).</summary>
    public UsageRecord ToRecord() => new()
    {
        Time = _time,
        RequestId = _longId ?? new string(((ReadOnlySpan<char>)_idChars)[.._idLength]),
        KeyHash = _keyHash,
        KeyAlias = _keyAlias,
        ModelGroup = _modelGroup ?? "",
        DeploymentId = _deploymentId,
        UpstreamModel = _upstreamModel,
        HttpStatus = _httpStatus,
        ErrorClass = _errorClass,
        Retries = _retries,
        PromptTokens = _promptTokens,
        CompletionTokens = _completionTokens,
        CachedTokens = _cachedTokens,
        CacheCreationTokens = _cacheCreationTokens,
        TokensEstimated = _tokensEstimated,
        Cost = _cost,
        LatencyMs = _latencyMs,
        TtftMs = _ttftMs,
        Stream = _stream,
        CacheHit = _cacheHit,
        Api = _api ?? "openai",
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
