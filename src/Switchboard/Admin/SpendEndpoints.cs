using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Auth;
using Switchboard.Storage;

namespace Switchboard.Admin;

/// <summary>LiteLLM's spend API over the usage records, plus per-deployment usage by day. Master key only.</summary>
internal static class SpendEndpoints
{
    public static IEndpointRouteBuilder MapSpendEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/spend/logs", LogsAsync);
        app.MapGet("/global/spend", GlobalAsync);
        app.MapGet("/global/spend/keys", ByKeyAsync);
        app.MapGet("/global/spend/models", ByModelAsync);
        app.MapGet("/global/spend/deployments", ByDeploymentAsync);
        return app;
    }

    /// <summary>
    /// Filters: <c>api_key</c> (or <c>key</c>; raw key or token id), <c>key_alias</c>, <c>model_group</c> (or <c>model</c>),
    /// <c>start_date</c>/<c>end_date</c> (<c>YYYY-MM-DD</c>, end day inclusive, or ISO times), <c>page</c>, <c>page_size</c>.
    /// Returns a JSON array (as LiteLLM does), newest first; totals in <c>x-total-count</c> and <c>x-total-pages</c>.
    /// </summary>
    private static async Task LogsAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context) || await RangeAsync(context) is not (true, var from, var to))
        {
            return;
        }

        var q = context.Request.Query;
        var key = First(q["api_key"], q["key"]);
        var query = new UsageQuery
        {
            KeyHash = key is null ? null : KeysEndpoints.ToHash(key),
            KeyAlias = First(q["key_alias"]),
            ModelGroup = First(q["model_group"], q["model"]),
            From = from,
            To = to,
            Page = int.TryParse(q["page"], out var page) ? page : 1,
            PageSize = int.TryParse(q["page_size"], out var size) ? size : 50,
        };
        var result = await context.RequestServices.GetRequiredService<IGatewayStore>().QueryUsageAsync(query, context.RequestAborted);
        context.Response.Headers["x-total-count"] = result.TotalCount.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["x-total-pages"] = result.TotalPages.ToString(CultureInfo.InvariantCulture);
        await KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartArray();
            foreach (var r in result.Items)
            {
                w.WriteStartObject();
                w.WriteString("request_id", r.RequestId);
                w.WriteString("call_type", r.Api == "anthropic" ? "anthropic_messages" : "acompletion");
                w.WriteString("api_key", r.KeyHash);
                w.WriteString("key_alias", r.KeyAlias);
                w.WriteNumber("spend", r.Cost);
                w.WriteNumber("total_tokens", r.TotalTokens);
                w.WriteNumber("prompt_tokens", r.PromptTokens);
                w.WriteNumber("completion_tokens", r.CompletionTokens);
                w.WriteNumber("cached_tokens", r.CachedTokens);
                w.WriteBoolean("tokens_estimated", r.TokensEstimated);
                KeysJson.WriteTime(w, "startTime", r.Time);
                KeysJson.WriteTime(w, "endTime", r.Time.AddMilliseconds(r.LatencyMs));
                w.WriteString("model", r.UpstreamModel);
                w.WriteString("model_group", r.ModelGroup);
                w.WriteString("model_id", r.DeploymentId);
                w.WriteString("status", r.HttpStatus is >= 200 and < 400 ? "success" : "failure");
                w.WriteNumber("http_status", r.HttpStatus);
                w.WriteString("error_class", r.ErrorClass);
                w.WriteNumber("retries", r.Retries);
                w.WriteNumber("latency_ms", r.LatencyMs);
                KeysJson.WriteNullable(w, "ttft_ms", r.TtftMs);
                w.WriteBoolean("stream", r.Stream);
                w.WriteBoolean("cache_hit", r.CacheHit);
                w.WriteString("api", r.Api);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static async Task GlobalAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context) || await RangeAsync(context) is not (true, var from, var to))
        {
            return;
        }

        var total = await context.RequestServices.GetRequiredService<IGatewayStore>().GetGlobalSpendAsync(from, to, context.RequestAborted);
        await KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("spend", total.Spend);
            w.WriteNull("max_budget");
            w.WriteNumber("requests", total.Requests);
            w.WriteNumber("prompt_tokens", total.PromptTokens);
            w.WriteNumber("completion_tokens", total.CompletionTokens);
            w.WriteEndObject();
        });
    }

    private static async Task ByKeyAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context) || await RangeAsync(context) is not (true, var from, var to))
        {
            return;
        }

        var rows = await context.RequestServices.GetRequiredService<IGatewayStore>()
            .GetSpendByKeyAsync(from, to, Limit(context), context.RequestAborted);
        await KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartArray();
            foreach (var row in rows)
            {
                w.WriteStartObject();
                w.WriteString("api_key", row.KeyHash);
                w.WriteString("key_alias", row.KeyAlias);
                w.WriteString("key_name", row.KeyAlias);
                w.WriteNumber("total_spend", row.Spend);
                w.WriteNumber("requests", row.Requests);
                w.WriteNumber("total_tokens", row.TotalTokens);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static async Task ByModelAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context) || await RangeAsync(context) is not (true, var from, var to))
        {
            return;
        }

        var rows = await context.RequestServices.GetRequiredService<IGatewayStore>()
            .GetSpendByModelGroupAsync(from, to, Limit(context), context.RequestAborted);
        await KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartArray();
            foreach (var row in rows)
            {
                w.WriteStartObject();
                w.WriteString("model", row.ModelGroup);
                w.WriteNumber("total_spend", row.Spend);
                w.WriteNumber("requests", row.Requests);
                w.WriteNumber("total_tokens", row.TotalTokens);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    /// <summary><c>?days=N</c> (default 7): today (UTC) and the N-1 days before it.</summary>
    private static async Task ByDeploymentAsync(HttpContext context)
    {
        if (!await AdminAuth.RequireMasterAsync(context))
        {
            return;
        }

        var days = int.TryParse(context.Request.Query["days"], out var d) ? Math.Clamp(d, 1, 366) : 7;
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var from = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1 - days);
        var rows = await context.RequestServices.GetRequiredService<IGatewayStore>()
            .GetSpendByDeploymentPerDayAsync(from, context.RequestAborted);
        await KeysJson.WriteAsync(context, 200, w =>
        {
            w.WriteStartArray();
            foreach (var row in rows)
            {
                w.WriteStartObject();
                w.WriteString("date", row.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                w.WriteString("deployment_id", row.DeploymentId);
                w.WriteString("model_group", row.ModelGroup);
                w.WriteNumber("requests", row.Requests);
                w.WriteNumber("failures", row.Failures);
                w.WriteNumber("prompt_tokens", row.PromptTokens);
                w.WriteNumber("completion_tokens", row.CompletionTokens);
                w.WriteNumber("spend", row.Spend);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static int Limit(HttpContext context) => int.TryParse(context.Request.Query["limit"], out var limit) ? limit : 100;

    private static string? First(params Microsoft.Extensions.Primitives.StringValues[] values) =>
        values.Select(v => v.ToString()).FirstOrDefault(v => !string.IsNullOrEmpty(v));

    private static async Task<(bool Ok, DateTimeOffset? From, DateTimeOffset? To)> RangeAsync(HttpContext context)
    {
        DateTimeOffset? from = null;
        DateTimeOffset? to = null;
        var start = context.Request.Query["start_date"].ToString();
        var end = context.Request.Query["end_date"].ToString();
        if ((start.Length > 0 && !TryDate(start, endOfDay: false, out from)) || (end.Length > 0 && !TryDate(end, endOfDay: true, out to)))
        {
            await AdminAuth.WriteErrorAsync(context, 400, "start_date and end_date take YYYY-MM-DD or an ISO 8601 time.",
                "invalid_request_error", "bad_date");
            return (false, null, null);
        }

        return (true, from, to);
    }

    /// <summary>A bare date means that whole UTC day: from its start, or (for an end) up to the next day's start.</summary>
    private static bool TryDate(string text, bool endOfDay, out DateTimeOffset? value)
    {
        value = null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            value = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(endOfDay ? 1 : 0);
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            value = time;
            return true;
        }

        return false;
    }
}
