using System.Globalization;
using System.Text;
using System.Text.Json;
using Switchboard.Storage;

namespace Switchboard.Cli;

/// <summary>Reads the admin API's JSON (LiteLLM's field names) back into the store's records; JsonDocument only, AOT-safe.</summary>
internal static class CliJson
{
    /// <summary>A key object of <c>/key/info</c>'s <c>info</c>, <c>/key/list?return_full_object=true</c> or <c>/key/generate</c>.</summary>
    public static VirtualKeyRecord ReadKey(JsonElement e, string? tokenFallback = null) => new()
    {
        KeyHash = String(e, "token") ?? String(e, "token_id") ?? tokenFallback ?? "",
        KeyPreview = String(e, "key_name") ?? "",
        KeyAlias = String(e, "key_alias"),
        Models = e.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Array
            ? [.. models.EnumerateArray().Select(m => m.GetString() ?? "")]
            : [],
        Spend = Double(e, "spend") ?? 0,
        MaxBudget = Double(e, "max_budget"),
        BudgetDuration = String(e, "budget_duration"),
        BudgetResetAt = Time(e, "budget_reset_at"),
        RpmLimit = (int?)Long(e, "rpm_limit"),
        TpmLimit = (int?)Long(e, "tpm_limit"),
        MaxParallelRequests = (int?)Long(e, "max_parallel_requests"),
        ExpiresAt = Time(e, "expires"),
        Blocked = e.TryGetProperty("blocked", out var blocked) && blocked.ValueKind == JsonValueKind.True,
        CreatedAt = Time(e, "created_at") ?? default,
        UpdatedAt = Time(e, "updated_at") ?? default,
    };

    /// <summary>One entry of <c>/spend/logs</c>.</summary>
    public static UsageRecord ReadUsage(JsonElement e) => new()
    {
        Time = Time(e, "startTime") ?? default,
        RequestId = String(e, "request_id") ?? "",
        KeyHash = String(e, "api_key"),
        KeyAlias = String(e, "key_alias"),
        ModelGroup = String(e, "model_group") ?? "",
        DeploymentId = String(e, "model_id"),
        UpstreamModel = String(e, "model"),
        HttpStatus = (int)(Long(e, "http_status") ?? 0),
        ErrorClass = String(e, "error_class"),
        Retries = (int)(Long(e, "retries") ?? 0),
        PromptTokens = Long(e, "prompt_tokens") ?? 0,
        CompletionTokens = Long(e, "completion_tokens") ?? 0,
        CachedTokens = Long(e, "cached_tokens") ?? 0,
        TokensEstimated = e.TryGetProperty("tokens_estimated", out var estimated) && estimated.ValueKind == JsonValueKind.True,
        Cost = Double(e, "spend") ?? 0,
        LatencyMs = Double(e, "latency_ms") ?? 0,
        TtftMs = Double(e, "ttft_ms"),
        Stream = e.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True,
        Api = String(e, "api") ?? "openai",
    };

    /// <summary>The message of an OpenAI-shaped error body, else the body itself (shortened).</summary>
    public static string ErrorMessage(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.Object && String(error, "message") is { } message)
                {
                    return message;
                }

                if (error.ValueKind == JsonValueKind.String)
                {
                    return error.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
        }

        var text = Encoding.UTF8.GetString(body).Trim();
        return text.Length <= 300 ? text : string.Concat(text.AsSpan(0, 299), "…");
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Double(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static long? Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    private static DateTimeOffset? Time(JsonElement e, string name) =>
        String(e, name) is { } text &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;
}
