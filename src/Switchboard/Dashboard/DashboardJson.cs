using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Switchboard.Storage;

namespace Switchboard.Dashboard;

/// <summary>The JSON answers of <c>/ui/api/…</c>, written with <see cref="Utf8JsonWriter"/> (no reflection). No key material: a key is its alias, its stored masked preview or the first digits of its token id.</summary>
internal static class DashboardJson
{
    public static async Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(context.Response.Body);
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", message);
        w.WriteNumber("code", status);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>A key as the page shows it: its alias or masked preview, else <c>key 1a2b3c4d</c> (token id digits), else <c>(no key)</c>.</summary>
    public static string KeyLabel(string? name, string? keyHash) =>
        name ?? (keyHash is { Length: >= 8 } ? "key " + keyHash[..8] : keyHash is null ? "(no key)" : "key");

    public static void WriteUsage(Utf8JsonWriter w, string range, DateTimeOffset from, DateTimeOffset to, long stepMs,
        IReadOnlyList<UsageBucket> series, IReadOnlyList<UsageSlice> byKey, IReadOnlyList<UsageSlice> byGroup, IReadOnlyList<UsageSlice> byDeployment)
    {
        w.WriteStartObject();
        w.WriteString("range", range);
        w.WriteNumber("from_ms", from.ToUnixTimeMilliseconds());
        w.WriteNumber("to_ms", to.ToUnixTimeMilliseconds());
        w.WriteNumber("step_ms", stepMs);
        w.WriteStartArray("series");
        foreach (var b in series)
        {
            w.WriteStartObject();
            w.WriteNumber("t", b.Start.ToUnixTimeMilliseconds());
            w.WriteNumber("requests", b.Requests);
            w.WriteNumber("failures", b.Failures);
            w.WriteNumber("prompt_tokens", b.PromptTokens);
            w.WriteNumber("completion_tokens", b.CompletionTokens);
            w.WriteNumber("cost", b.Cost);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteSlices(w, "by_key", byKey, key: true);
        WriteSlices(w, "by_model_group", byGroup, key: false);
        WriteSlices(w, "by_deployment", byDeployment, key: false);
        w.WriteEndObject();
    }

    private static void WriteSlices(Utf8JsonWriter w, string name, IReadOnlyList<UsageSlice> slices, bool key)
    {
        w.WriteStartArray(name);
        foreach (var s in slices)
        {
            w.WriteStartObject();
            w.WriteString("name", key ? KeyLabel(s.Name, s.KeyHash) : s.Name ?? "(none)");
            if (key)
            {
                w.WriteString("token_prefix", s.KeyHash is { Length: >= 8 } hash ? hash[..8] : null);
            }

            w.WriteNumber("requests", s.Requests);
            w.WriteNumber("failures", s.Failures);
            w.WriteNumber("prompt_tokens", s.PromptTokens);
            w.WriteNumber("completion_tokens", s.CompletionTokens);
            w.WriteNumber("cost", s.Cost);
            w.WriteNumber("avg_latency_ms", s.Requests == 0 ? 0 : Math.Round(s.LatencyMsSum / s.Requests, 1));
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    public static void WriteRequests(Utf8JsonWriter w, IReadOnlyList<UsageRecord> records)
    {
        w.WriteStartObject();
        w.WriteStartArray("requests");
        foreach (var r in records)
        {
            w.WriteStartObject();
            w.WriteNumber("t", r.Time.ToUnixTimeMilliseconds());
            w.WriteString("request_id", r.RequestId);
            w.WriteString("key", KeyLabel(r.KeyAlias, r.KeyHash));
            w.WriteString("model_group", r.ModelGroup);
            w.WriteString("deployment", r.DeploymentId);
            w.WriteNumber("status", r.HttpStatus);
            w.WriteString("error", r.ErrorClass);
            w.WriteNumber("retries", r.Retries);
            w.WriteNumber("latency_ms", Math.Round(r.LatencyMs, 1));
            if (r.TtftMs is { } ttft)
            {
                w.WriteNumber("ttft_ms", Math.Round(ttft, 1));
            }
            else
            {
                w.WriteNull("ttft_ms");
            }

            w.WriteNumber("prompt_tokens", r.PromptTokens);
            w.WriteNumber("completion_tokens", r.CompletionTokens);
            w.WriteNumber("cost", r.Cost);
            w.WriteBoolean("stream", r.Stream);
            w.WriteBoolean("cache_hit", r.CacheHit);
            w.WriteString("api", r.Api);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
