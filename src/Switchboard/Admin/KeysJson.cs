using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Switchboard.Storage;

namespace Switchboard.Admin;

/// <summary>JSON bodies of the admin endpoints, written with <see cref="Utf8JsonWriter"/> (no reflection, AOT-safe).</summary>
internal static class KeysJson
{
    public static async Task WriteAsync(HttpContext context, int statusCode, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        write(writer);
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>A key's fields, LiteLLM-named; <paramref name="spend"/> is the live spend, never the raw key.</summary>
    public static void WriteKeyFields(Utf8JsonWriter writer, VirtualKeyRecord key, double spend, DateTimeOffset? budgetResetAt)
    {
        writer.WriteString("token", key.KeyHash);
        writer.WriteString("key_name", key.KeyPreview);
        writer.WriteString("key_alias", key.KeyAlias);
        writer.WriteStartArray("models");
        foreach (var model in key.Models)
        {
            writer.WriteStringValue(model);
        }

        writer.WriteEndArray();
        writer.WriteNumber("spend", spend);
        WriteNullable(writer, "max_budget", key.MaxBudget);
        WriteNullable(writer, "remaining_budget", key.MaxBudget is { } max ? Math.Max(0, max - spend) : null);
        writer.WriteString("budget_duration", key.BudgetDuration);
        WriteTime(writer, "budget_reset_at", budgetResetAt ?? key.BudgetResetAt);
        WriteNullable(writer, "rpm_limit", key.RpmLimit);
        WriteNullable(writer, "tpm_limit", key.TpmLimit);
        WriteNullable(writer, "max_parallel_requests", key.MaxParallelRequests);
        WriteTime(writer, "expires", key.ExpiresAt);
        writer.WritePropertyName("metadata");
        if (key.MetadataJson is { } metadata)
        {
            writer.WriteRawValue(metadata);
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }

        writer.WriteBoolean("blocked", key.Blocked);
        WriteTime(writer, "created_at", key.CreatedAt);
        WriteTime(writer, "updated_at", key.UpdatedAt);
    }

    public static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    public static void WriteNullable(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    public static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            writer.WriteString(name, t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
