using System.Text.Json;
using Switchboard.Upstream;

namespace Switchboard.Routing;

/// <summary>
/// The JSON of GET /router/status, written and read without reflection (the CLI's <c>switchboard status</c> reads it
/// back over HTTP and prints <see cref="RouterStatusTable"/>).
/// </summary>
internal static class RouterStatusJson
{
    public static void Write(Utf8JsonWriter writer, RouterStatus status)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(status);
        writer.WriteStartObject();
        writer.WriteString("at", status.At);
        writer.WriteString("routing_strategy", status.Strategy);
        writer.WriteStartArray("model_groups");
        foreach (var g in status.Groups)
        {
            writer.WriteStartObject();
            writer.WriteString("model_name", g.Name);
            writer.WriteNumber("queued", g.Queued);
            writer.WriteStartArray("deployments");
            foreach (var d in g.Deployments)
            {
                WriteDeployment(writer, d);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static RouterStatus Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        var groups = new List<GroupStatus>();
        foreach (var g in root.GetProperty("model_groups").EnumerateArray())
        {
            var deployments = new List<DeploymentStatus>();
            foreach (var d in g.GetProperty("deployments").EnumerateArray())
            {
                deployments.Add(ReadDeployment(d));
            }

            groups.Add(new GroupStatus(g.GetProperty("model_name").GetString() ?? "", g.GetProperty("queued").GetInt32(), deployments));
        }

        return new RouterStatus(root.GetProperty("at").GetDateTimeOffset(), root.GetProperty("routing_strategy").GetString() ?? "", groups);
    }

    /// <summary>snake_case names of the failure classes, as they appear in JSON and the table.</summary>
    public static string Name(FailureKind kind) => kind switch
    {
        FailureKind.RateLimited => "rate_limited",
        FailureKind.ConcurrencyLimited => "concurrency_limited",
        FailureKind.Overloaded => "overloaded",
        FailureKind.QuotaExhausted => "quota_exhausted",
        FailureKind.Retryable => "retryable",
        FailureKind.Timeout => "timeout",
        FailureKind.KeyDisabled => "key_disabled",
        _ => "client_error",
    };

    private static void WriteDeployment(Utf8JsonWriter w, DeploymentStatus d)
    {
        w.WriteStartObject();
        w.WriteString("id", d.Id);
        w.WriteString("model_group", d.Group);
        w.WriteString("provider", d.Provider);
        w.WriteString("model", d.Model);
        w.WriteString("api_base", d.ApiBase);
        w.WriteString("key", d.MaskedKey);
        w.WriteNumber("in_flight", d.InFlight);
        WriteNullable(w, "max_parallel_requests", d.MaxParallelRequests);
        WriteNullable(w, "rpm", d.Rpm);
        WriteNullable(w, "tpm", d.Tpm);
        w.WritePropertyName("total");
        WriteUsage(w, d.Total);
        w.WritePropertyName("current_minute");
        WriteUsage(w, d.CurrentMinute);
        WriteNullable(w, "latency_p50_ms", d.LatencyP50Ms);
        WriteNullable(w, "latency_p95_ms", d.LatencyP95Ms);
        WriteNullable(w, "ttft_p50_ms", d.TtftP50Ms);
        WriteNullable(w, "learned_requests", d.LearnedRequests);
        WriteNullable(w, "learned_window_seconds", d.LearnedWindowSeconds);
        w.WriteBoolean("learned_exact", d.LearnedExact);
        WriteNullable(w, "learned_concurrency", d.LearnedConcurrency);
        w.WriteNumber("window_used", d.WindowUsed);
        w.WriteNumber("refusals", d.Refusals);
        WriteNullable(w, "paced_seconds_left", d.PacedSecondsLeft);
        w.WriteBoolean("cooling_down", d.CoolingDown);
        WriteNullable(w, "cooldown_seconds_left", d.CooldownSecondsLeft);
        w.WriteString("cooldown_reason", d.CooldownReason);
        w.WriteBoolean("disabled", d.Disabled);
        w.WriteString("disabled_reason", d.DisabledReason);
        w.WriteString("last_error", d.LastError);
        if (d.LastErrorAt is { } at)
        {
            w.WriteString("last_error_at", at);
        }
        else
        {
            w.WriteNull("last_error_at");
        }

        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, UsageSnapshot u)
    {
        w.WriteStartObject();
        w.WriteNumber("requests", u.Requests);
        w.WriteNumber("successes", u.Successes);
        w.WriteNumber("failures", u.Failures);
        w.WriteStartObject("failures_by_kind");
        foreach (var (kind, n) in u.FailuresByKind.OrderBy(p => p.Key))
        {
            w.WriteNumber(Name(kind), n);
        }

        w.WriteEndObject();
        w.WriteNumber("status_429", u.Status429);
        w.WriteNumber("tokens_in", u.TokensIn);
        w.WriteNumber("tokens_out", u.TokensOut);
        w.WriteEndObject();
    }

    private static DeploymentStatus ReadDeployment(JsonElement d) => new()
    {
        Id = Str(d, "id") ?? "",
        Group = Str(d, "model_group") ?? "",
        Provider = Str(d, "provider") ?? "",
        Model = Str(d, "model") ?? "",
        ApiBase = Str(d, "api_base") ?? "",
        MaskedKey = Str(d, "key") ?? "",
        InFlight = d.GetProperty("in_flight").GetInt32(),
        MaxParallelRequests = Int(d, "max_parallel_requests"),
        Rpm = Int(d, "rpm"),
        Tpm = Int(d, "tpm"),
        Total = ReadUsage(d.GetProperty("total")),
        CurrentMinute = ReadUsage(d.GetProperty("current_minute")),
        LatencyP50Ms = Dbl(d, "latency_p50_ms"),
        LatencyP95Ms = Dbl(d, "latency_p95_ms"),
        TtftP50Ms = Dbl(d, "ttft_p50_ms"),
        LearnedRequests = Int(d, "learned_requests"),
        LearnedWindowSeconds = Dbl(d, "learned_window_seconds"),
        LearnedConcurrency = Int(d, "learned_concurrency"),
        LearnedExact = d.TryGetProperty("learned_exact", out var exact) && exact.ValueKind == JsonValueKind.True,
        WindowUsed = d.TryGetProperty("window_used", out var used) && used.ValueKind == JsonValueKind.Number ? used.GetInt32() : 0,
        Refusals = d.TryGetProperty("refusals", out var refusals) && refusals.ValueKind == JsonValueKind.Number ? refusals.GetInt64() : 0,
        PacedSecondsLeft = Dbl(d, "paced_seconds_left"),
        CoolingDown = d.GetProperty("cooling_down").GetBoolean(),
        CooldownSecondsLeft = Dbl(d, "cooldown_seconds_left"),
        CooldownReason = Str(d, "cooldown_reason"),
        Disabled = d.GetProperty("disabled").GetBoolean(),
        DisabledReason = Str(d, "disabled_reason"),
        LastError = Str(d, "last_error"),
        LastErrorAt = d.TryGetProperty("last_error_at", out var at) && at.ValueKind == JsonValueKind.String ? at.GetDateTimeOffset() : null,
    };

    private static UsageSnapshot ReadUsage(JsonElement u)
    {
        var byKind = new Dictionary<FailureKind, long>();
        if (u.TryGetProperty("failures_by_kind", out var kinds))
        {
            foreach (var kind in Enum.GetValues<FailureKind>())
            {
                if (kinds.TryGetProperty(Name(kind), out var n))
                {
                    byKind[kind] = n.GetInt64();
                }
            }
        }

        return new UsageSnapshot(
            u.GetProperty("requests").GetInt64(),
            u.GetProperty("successes").GetInt64(),
            u.GetProperty("failures").GetInt64(),
            byKind,
            u.GetProperty("status_429").GetInt64(),
            u.GetProperty("tokens_in").GetInt64(),
            u.GetProperty("tokens_out").GetInt64());
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, Math.Round(v, 1));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static double? Dbl(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
