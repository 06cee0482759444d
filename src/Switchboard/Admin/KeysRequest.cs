using System.Globalization;
using System.Text.Json;
using Switchboard.Admission;
using Switchboard.Storage;

namespace Switchboard.Admin;

/// <summary>
/// The fields of <c>/key/generate</c> and <c>/key/update</c> (LiteLLM's names). Only fields present in the body change
/// a key; an explicit <c>null</c> clears one.
/// </summary>
internal sealed class KeysRequest
{
    public string? Key { get; private set; }
    public (bool Set, string? Value) KeyAlias { get; private set; }
    public (bool Set, IReadOnlyList<string> Value) Models { get; private set; }
    public (bool Set, double? Value) MaxBudget { get; private set; }
    public (bool Set, string? Value) BudgetDuration { get; private set; }
    public (bool Set, int? Value) RpmLimit { get; private set; }
    public (bool Set, int? Value) TpmLimit { get; private set; }
    public (bool Set, int? Value) MaxParallelRequests { get; private set; }
    public (bool Set, string? Value) Duration { get; private set; }
    public (bool Set, DateTimeOffset? Value) Expires { get; private set; }
    public (bool Set, string? Value) Metadata { get; private set; }
    public (bool Set, bool Value) Blocked { get; private set; }

    /// <summary>Reads a body; returns null and an error message when a field has the wrong type.</summary>
    public static KeysRequest? Parse(JsonElement root, out string? error)
    {
        error = null;
        var request = new KeysRequest();
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "The body must be a JSON object.";
            return null;
        }

        try
        {
            foreach (var property in root.EnumerateObject())
            {
                var value = property.Value;
                var isNull = value.ValueKind == JsonValueKind.Null;
                switch (property.Name)
                {
                    case "key":
                        request.Key = isNull ? null : Text(value);
                        break;
                    case "key_alias":
                        request.KeyAlias = (true, isNull ? null : Text(value));
                        break;
                    case "models":
                        request.Models = (true, isNull ? [] : [.. value.EnumerateArray().Select(m => Text(m) ?? "")]);
                        break;
                    case "max_budget":
                        request.MaxBudget = (true, isNull ? null : value.GetDouble());
                        break;
                    case "budget_duration":
                        request.BudgetDuration = (true, isNull ? null : Text(value));
                        break;
                    case "rpm_limit":
                        request.RpmLimit = (true, isNull ? null : value.GetInt32());
                        break;
                    case "tpm_limit":
                        request.TpmLimit = (true, isNull ? null : value.GetInt32());
                        break;
                    case "max_parallel_requests":
                        request.MaxParallelRequests = (true, isNull ? null : value.GetInt32());
                        break;
                    case "duration":
                        request.Duration = (true, isNull ? null : Text(value));
                        break;
                    case "expires":
                        request.Expires = (true, isNull ? null : DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture,
                            DateTimeStyles.AssumeUniversal));
                        break;
                    case "metadata":
                        request.Metadata = (true, isNull ? null : value.GetRawText());
                        break;
                    case "blocked":
                        request.Blocked = (true, !isNull && value.GetBoolean());
                        break;
                    default:
                        break;
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            error = $"A field has the wrong type: {Protocols.ClientText.Quote(e.Message)}";
            return null;
        }

        return request;
    }

    /// <summary>A string field; NUL is refused because PostgreSQL cannot store it in text (a 500 otherwise).</summary>
    internal static string? Text(JsonElement value)
    {
        var text = value.GetString();
        return text is not null && text.Contains('\0', StringComparison.Ordinal)
            ? throw new FormatException("text fields must not contain NUL characters.")
            : text;
    }

    /// <summary>The key with this request's fields applied; null and an error when a value is out of range.</summary>
    public VirtualKeyRecord? ApplyTo(VirtualKeyRecord key, DateTimeOffset now, out string? error)
    {
        error = null;
        if (BudgetDuration is (true, { } budgetText) && !DurationText.TryParse(budgetText, out _))
        {
            error = $"budget_duration '{Protocols.ClientText.Quote(budgetText)}' is not a duration like 30s, 10m, 1h, 30d, 1mo.";
            return null;
        }

        if (Duration is (true, { } durationText) && !DurationText.TryParse(durationText, out _))
        {
            error = $"duration '{Protocols.ClientText.Quote(durationText)}' is not a duration like 30s, 10m, 1h, 30d, 1mo.";
            return null;
        }

        if (MaxBudget.Value < 0 || RpmLimit.Value < 0 || TpmLimit.Value < 0 || MaxParallelRequests.Value < 0)
        {
            error = "Limits and budgets must not be negative.";
            return null;
        }

        var result = key with { UpdatedAt = now };
        if (KeyAlias.Set)
        {
            result = result with { KeyAlias = string.IsNullOrEmpty(KeyAlias.Value) ? null : KeyAlias.Value };
        }

        if (Models.Set)
        {
            result = result with { Models = Models.Value };
        }

        if (MaxBudget.Set)
        {
            result = result with { MaxBudget = MaxBudget.Value };
        }

        if (BudgetDuration.Set && BudgetDuration.Value != key.BudgetDuration)
        {
            // A new period starts now; the old one's reset time no longer applies.
            DateTimeOffset? reset = DurationText.TryParse(BudgetDuration.Value, out var period) ? now + period : null;
            result = result with { BudgetDuration = BudgetDuration.Value, BudgetResetAt = reset };
        }

        if (RpmLimit.Set)
        {
            result = result with { RpmLimit = RpmLimit.Value };
        }

        if (TpmLimit.Set)
        {
            result = result with { TpmLimit = TpmLimit.Value };
        }

        if (MaxParallelRequests.Set)
        {
            result = result with { MaxParallelRequests = MaxParallelRequests.Value };
        }

        if (Expires.Set)
        {
            result = result with { ExpiresAt = Expires.Value };
        }

        if (Duration.Set)
        {
            result = result with { ExpiresAt = DurationText.TryParse(Duration.Value, out var lifetime) ? now + lifetime : null };
        }

        if (Metadata.Set)
        {
            result = result with { MetadataJson = Metadata.Value };
        }

        if (Blocked.Set)
        {
            result = result with { Blocked = Blocked.Value };
        }

        return result;
    }
}
