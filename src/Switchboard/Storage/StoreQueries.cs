namespace Switchboard.Storage;

/// <summary>Filters of <c>/spend/logs</c>; null means no filter. Times are inclusive from, exclusive to.</summary>
internal sealed record UsageQuery
{
    public string? KeyHash { get; init; }
    public string? KeyAlias { get; init; }
    public string? ModelGroup { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }

    /// <summary>True: failed calls only (HTTP status 400 and above); false: successful ones only. Read by the dashboard's recent calls.</summary>
    public bool? Failed { get; init; }

    /// <summary>1-based.</summary>
    public int Page { get; init; } = 1;

    public int PageSize { get; init; } = 50;
}

internal sealed record Page<T>(IReadOnlyList<T> Items, long TotalCount, int PageNumber, int PageSize)
{
    public int TotalPages => PageSize <= 0 ? 0 : (int)((TotalCount + PageSize - 1) / PageSize);
}

internal sealed record SpendTotal(double Spend, long Requests, long PromptTokens, long CompletionTokens);

internal sealed record KeySpend(string? KeyHash, string? KeyAlias, double Spend, long Requests, long TotalTokens);

internal sealed record ModelGroupSpend(string ModelGroup, double Spend, long Requests, long TotalTokens);

/// <summary>One deployment's usage on one UTC day.</summary>
internal sealed record DeploymentDaySpend(
    DateOnly Day, string? DeploymentId, string ModelGroup, long Requests, long Failures,
    long PromptTokens, long CompletionTokens, double Spend);
