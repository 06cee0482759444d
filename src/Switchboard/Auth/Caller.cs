using Switchboard.Storage;

namespace Switchboard.Auth;

/// <summary>Who is calling. For a virtual key, <see cref="Key"/> carries its limits, allowed models, expiry and budget.</summary>
internal sealed record Caller
{
    public required CallerKind Kind { get; init; }

    /// <summary>SHA-256 of the presented key (virtual or master); null in open mode.</summary>
    public string? KeyHash { get; init; }

    /// <summary>The stored virtual key as loaded (its <see cref="VirtualKeyRecord.Spend"/> may lag; admission keeps the live one).</summary>
    public VirtualKeyRecord? Key { get; init; }

    public static Caller Anonymous { get; } = new() { Kind = CallerKind.Open };

    public string? KeyAlias => Key?.KeyAlias;
    public IReadOnlyList<string> AllowedModels => Key?.Models ?? [];
    public int? RpmLimit => Key?.RpmLimit;
    public int? TpmLimit => Key?.TpmLimit;
    public int? MaxParallelRequests => Key?.MaxParallelRequests;
    public double? MaxBudget => Key?.MaxBudget;
    public string? BudgetDuration => Key?.BudgetDuration;
    public DateTimeOffset? ExpiresAt => Key?.ExpiresAt;
    public bool Blocked => Key?.Blocked ?? false;
}
