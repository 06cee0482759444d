using Switchboard.Auth;
using Switchboard.Protocols;
using Switchboard.Routing;

namespace Switchboard.Api;

/// <summary>What one client call carries through its attempts, and what its usage record is made of.</summary>
/// <remarks>
/// The proxy path takes one from a small pool (<see cref="Rent"/>) and gives it back at the call's very end
/// (<see cref="Return"/>), after its request line, usage record and metrics are written: nothing may keep a reference to it
/// beyond that (streams, the usage queue and the log copy what they need while the call runs). <see cref="Return"/>
/// clears every field, so a reused state carries nothing of the call before it.
/// </remarks>
internal sealed class CallState
{
    // One free state per thread: a call usually ends on a thread that starts the next one, so no lock and no list is
    // needed; a miss allocates, a surplus is dropped to the collector.
    [ThreadStatic]
    private static CallState? t_free;

    private string _callId = "";
    private string _requestedModel = "";
    private long _startTimestamp;
    private string? _sessionId;
    private int _estimatedInputTokens;
    private Caller _caller = Caller.Anonymous;
    private double? _keySpendBefore;
    private bool _rented;

    public required string CallId { get => _callId; init => _callId = value; }
    public required string RequestedModel { get => _requestedModel; init => _requestedModel = value; }
    public required long StartTimestamp { get => _startTimestamp; init => _startTimestamp = value; }
    public string? SessionId { get => _sessionId; init => _sessionId = value; }
    public int EstimatedInputTokens { get => _estimatedInputTokens; init => _estimatedInputTokens = value; }
    public Caller Caller { get => _caller; init => _caller = value; }

    /// <summary>Spend of the caller's virtual key before this call, for <c>x-litellm-key-spend</c>.</summary>
    public double? KeySpendBefore { get => _keySpendBefore; init => _keySpendBefore = value; }

    /// <summary>A cleared state for a new call, from this thread's free one when there is one.</summary>
    public static CallState Rent(string callId, string requestedModel, long startTimestamp, string? sessionId, Caller caller,
        int estimatedInputTokens, double? keySpendBefore)
    {
        var state = t_free ?? new CallState { CallId = "", RequestedModel = "", StartTimestamp = 0 };
        t_free = null;
        state._callId = callId;
        state._requestedModel = requestedModel;
        state._startTimestamp = startTimestamp;
        state._sessionId = sessionId;
        state._estimatedInputTokens = estimatedInputTokens;
        state._caller = caller;
        state._keySpendBefore = keySpendBefore;
        state._rented = true;
        return state;
    }

    /// <summary>
    /// Clears the state and keeps it for the next <see cref="Rent"/> on this thread. Only for a state from <see cref="Rent"/>,
    /// once per rental, and only when the call is over and nothing holds the state any longer; a state made with
    /// <c>new</c> is left alone.
    /// </summary>
    public void Return()
    {
        if (!_rented)
        {
            return;
        }

        _rented = false;
        _callId = "";
        _requestedModel = "";
        _startTimestamp = 0;
        _sessionId = null;
        _estimatedInputTokens = 0;
        _caller = Caller.Anonymous;
        _keySpendBefore = null;
        Secrets = Observability.SecretRedactor.Empty;
        MaxSseEventBytes = Protocols.OpenAi.SseParser.DefaultMaxEventBytes;
        UpstreamTime = TimeSpan.Zero;
        Retries = 0;
        QueueTime = TimeSpan.Zero;
        FallbackTried = false;
        ServedBy = null;
        CacheHit = false;
        ServedGroup = null;
        Usage = null;
        _delivered = null; // a stream's tally is not reused: its text buffer may be large
        TimeToFirstToken = null;
        ErrorClass = null;
        t_free = this;
    }

    /// <summary>Masks configured keys in upstream error text relayed mid-stream (set by the attempt loop).</summary>
    public Observability.SecretRedactor Secrets { get; set; } = Observability.SecretRedactor.Empty;

    /// <summary>The largest SSE event accepted from an upstream (<c>general_settings.max_sse_event_bytes</c>).</summary>
    public int MaxSseEventBytes { get; set; } = Protocols.OpenAi.SseParser.DefaultMaxEventBytes;

    /// <summary>Time spent waiting on upstreams (connect to last byte), summed over attempts.</summary>
    public TimeSpan UpstreamTime { get; set; }
    public int Retries { get; set; }

    /// <summary>Time spent waiting for a free deployment (the router's queue), summed over attempts.</summary>
    public TimeSpan QueueTime { get; set; }

    /// <summary>A fallback group was tried, whether or not it served (for the fallback metrics).</summary>
    public bool FallbackTried { get; set; }
    public Deployment? ServedBy { get; set; }

    /// <summary>Answered from the response cache: no upstream was called, nothing is billed.</summary>
    public bool CacheHit { get; set; }
    public string? ServedGroup { get; set; }
    public TokenUsage? Usage { get; set; }

    private Switchboard.Usage.DeliveredUsage? _delivered;

    /// <summary>What a stream delivered so far, for billing a stream that ends early (architecture decision 5); made on first use.</summary>
    public Switchboard.Usage.DeliveredUsage Delivered => _delivered ??= new();

    /// <summary>The delivered usage is whole (input and output figures seen); false when nothing was recorded.</summary>
    public bool DeliveredComplete => _delivered is { Complete: true };
    public TimeSpan? TimeToFirstToken { get; set; }

    /// <summary>The failure class of the last failed attempt (or of the answer), for the usage record.</summary>
    public string? ErrorClass { get; set; }

    /// <summary>The call's cost in USD, known once usage is: from model_info prices, else the built-in table.</summary>
    public double Cost => Usage is { } u ? CostOf(u) : 0;

    /// <summary>The price of <paramref name="usage"/> on the deployment that served the call; 0 when none did.</summary>
    public double CostOf(TokenUsage usage) => ServedBy is { } d
        ? Switchboard.Usage.CostCalculator.Cost(d.Config, usage)
        : 0;
}
