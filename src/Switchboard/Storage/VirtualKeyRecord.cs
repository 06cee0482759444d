namespace Switchboard.Storage;

/// <summary>A virtual key as stored: never the key itself, only its SHA-256 and a masked preview.</summary>
internal sealed record VirtualKeyRecord
{
    /// <summary>SHA-256 of the key, lowercase hex; the primary key and the "token" id of the admin API.</summary>
    public required string KeyHash { get; init; }

    public string? KeyAlias { get; init; }

    /// <summary>Masked form shown in lists (<c>sk-...a1b2</c>), LiteLLM's <c>key_name</c>.</summary>
    public required string KeyPreview { get; init; }

    /// <summary>Allowed model groups; empty (or <c>*</c>) allows all.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    public double? MaxBudget { get; init; }

    /// <summary>LiteLLM duration text such as <c>30d</c>, <c>1h</c>; spend resets to 0 every period.</summary>
    public string? BudgetDuration { get; init; }

    public DateTimeOffset? BudgetResetAt { get; init; }
    public int? RpmLimit { get; init; }
    public int? TpmLimit { get; init; }
    public int? MaxParallelRequests { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The caller's <c>metadata</c> object as JSON text.</summary>
    public string? MetadataJson { get; init; }

    public bool Blocked { get; init; }

    /// <summary>Spend in USD since the last budget reset, as the store has it (usage batches add to it).</summary>
    public double Spend { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
