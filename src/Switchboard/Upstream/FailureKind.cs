namespace Switchboard.Upstream;

/// <summary>What a failed upstream attempt means for the deployment that served it.</summary>
internal enum FailureKind
{
    /// <summary>HTTP 429 or Z.ai 1303: cool down for max(cooldown_time, Retry-After).</summary>
    RateLimited,

    /// <summary>Z.ai 1302: too many calls in flight on the account; a short cooldown, another key at once.</summary>
    ConcurrencyLimited,

    /// <summary>Z.ai 1305, Anthropic 529: the platform is overloaded; cooldown with backoff.</summary>
    Overloaded,

    /// <summary>Z.ai 1304 / 1308: a daily or plan quota is used up until a known time.</summary>
    QuotaExhausted,

    /// <summary>5xx, connection refused/reset: counts towards allowed_fails.</summary>
    Retryable,

    /// <summary>The upstream did not answer in time: counts towards allowed_fails.</summary>
    Timeout,

    /// <summary>401/403 and Z.ai key-level codes: the key is out until the config is reloaded.</summary>
    KeyDisabled,

    /// <summary>The request itself is at fault: returned to the client, never retried, no health change.</summary>
    ClientError,
}
