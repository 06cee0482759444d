namespace Switchboard.Admission;

/// <summary>
/// Admitted (with a <see cref="Lease"/> to dispose when the call ends) or refused with the status to send:
/// 429 for rpm/tpm/parallel limits, 400 when the budget is spent (LiteLLM answers budget_exceeded with 400 too),
/// 401 for an expired key, 403 for a blocked key or a model the key may not use.
/// </summary>
internal sealed record AdmissionResult
{
    public AdmissionRefusal Refusal { get; init; }
    public int StatusCode { get; init; } = 200;

    /// <summary>Says which limit refused and when it resets.</summary>
    public string Message { get; init; } = "";

    /// <summary>For a <c>Retry-After</c> header (whole seconds, rounded up) where waiting helps.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>When the refusing limit lets calls through again, if known.</summary>
    public DateTimeOffset? ResetsAt { get; init; }

    public AdmissionLease? Lease { get; init; }

    public bool Allowed => Refusal == AdmissionRefusal.None;

    /// <summary>Machine-readable code for the error body (<c>error.code</c>).</summary>
    public string ErrorCode => Refusal switch
    {
        AdmissionRefusal.None => "",
        AdmissionRefusal.Blocked => "key_blocked",
        AdmissionRefusal.Expired => "key_expired",
        AdmissionRefusal.ModelNotAllowed => "model_not_allowed",
        AdmissionRefusal.BudgetExceeded => "budget_exceeded",
        AdmissionRefusal.RpmLimit => "rpm_limit_exceeded",
        AdmissionRefusal.TpmLimit => "tpm_limit_exceeded",
        AdmissionRefusal.ParallelLimit => "max_parallel_requests_exceeded",
        _ => "refused",
    };

    /// <summary><c>Retry-After</c> value in whole seconds (at least 1), or null.</summary>
    public string? RetryAfterHeader => RetryAfter is { } wait
        ? Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)
        : null;
}
