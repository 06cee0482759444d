using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Auth;
using Switchboard.Observability;
using Switchboard.Routing;
using Switchboard.Storage;

namespace Switchboard.Dashboard;

/// <summary>
/// The dashboard at <c>/ui</c>: the embedded page, login with the master key (a session cookie), and the JSON it reads
/// under <c>/ui/api/</c>. Key management goes to the admin endpoints themselves under <c>/ui/api/admin/…</c>
/// (<c>/ui/api/admin/key/list</c> is <c>/key/list</c>): the session stands in for the master key, which never reaches
/// the browser.
/// </summary>
internal static class DashboardEndpoints
{
    private const string AdminPrefix = "/ui/api/admin";

    /// <summary>The page's policy: its own files only, so nothing is fetched from elsewhere even if a value sneaks in.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>Registers the dashboard's services; call before the app is built.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddSingleton(sp => new DashboardSessions(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(_ => DashboardAssets.Load());
        return services;
    }

    /// <param name="secrets">The redactor in force, read per request (a reload or <c>/model/new</c> replaces it).</param>
    /// <param name="masterKey">Sent on to the admin endpoints for a logged-in session; null in open mode.</param>
    public static void MapDashboard(this WebApplication app, Router router, Func<SecretRedactor> secrets, string? masterKey)
    {
        ArgumentNullException.ThrowIfNull(app);
        var assets = app.Services.GetRequiredService<DashboardAssets>();
        // One route serves /ui and /ui/ (routing does not tell them apart): the first is sent to the second, so that the
        // page's relative links resolve under /ui/.
        app.MapGet("/ui", context =>
        {
            if (!(context.Request.Path.Value ?? "").EndsWith('/'))
            {
                context.Response.Redirect("/ui/");
                return Task.CompletedTask;
            }

            return ServeAsync(context, assets.Files["index.html"]);
        });
        foreach (var (name, asset) in assets.Files)
        {
            app.MapGet("/ui/" + name, context => ServeAsync(context, asset));
        }

        app.MapGet("/ui/api/session", SessionAsync);
        app.MapPost("/ui/api/login", LoginAsync);
        app.MapPost("/ui/api/logout", LogoutAsync);
        app.MapGet("/ui/api/pools", context => PoolsAsync(context, router, secrets()));
        app.MapGet("/ui/api/usage", UsageAsync);
        app.MapGet("/ui/api/requests", RequestsAsync);

        // No endpoint matches /ui/api/admin/…: this middleware (after routing, before the endpoint runs) checks the session,
        // picks the admin endpoint the rest of the path names (/key/…), and stands the master key in for it.
        var routes = (IEndpointRouteBuilder)app;
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(AdminPrefix, out var rest) && context.GetEndpoint() is null)
            {
                var write = !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method);
                if (!await DashboardAccess.AllowAsync(context, write))
                {
                    return;
                }

                if (!rest.StartsWithSegments("/key") || FindAdminEndpoint(routes, rest.Value!, context.Request.Method) is not { } endpoint)
                {
                    await DashboardJson.ErrorAsync(context, 404, "Only the key endpoints are reachable from the dashboard.");
                    return;
                }

                context.Request.Headers.Authorization = masterKey is null ? default : "Bearer " + masterKey;
                context.SetEndpoint(endpoint);
            }

            await next(context);
        });
    }

    /// <summary>The admin endpoint with this literal route (no parameters) and method, or null.</summary>
    private static RouteEndpoint? FindAdminEndpoint(IEndpointRouteBuilder routes, string path, string method) =>
        routes.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().FirstOrDefault(e =>
            string.Equals(e.RoutePattern.RawText, path, StringComparison.OrdinalIgnoreCase) &&
            e.RoutePattern.Parameters.Count == 0 &&
            e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase) == true);

    private static async Task ServeAsync(HttpContext context, DashboardAssets.Asset asset)
    {
        if (DashboardAccess.IsOpenMode(context) && !DashboardAccess.IsLoopback(context))
        {
            await DashboardJson.ErrorAsync(context, 403,
                "The dashboard is open only on loopback while no master key is set: set general_settings.master_key to use it from elsewhere.");
            return;
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["X-Content-Type-Options"] = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = asset.ContentType;
        context.Response.ContentLength = asset.Content.Length;
        await context.Response.Body.WriteAsync(asset.Content, context.RequestAborted);
    }

    private static async Task SessionAsync(HttpContext context)
    {
        var open = DashboardAccess.IsOpenMode(context);
        var loggedIn = open ? DashboardAccess.IsLoopback(context)
            : context.RequestServices.GetRequiredService<DashboardSessions>().IsValid(context.Request.Cookies[DashboardAccess.CookieName]);
        await WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("open_mode", open);
            w.WriteBoolean("logged_in", loggedIn);
            w.WriteEndObject();
        });
    }

    private static async Task LoginAsync(HttpContext context)
    {
        if (DashboardAccess.IsOpenMode(context))
        {
            await DashboardJson.ErrorAsync(context, 400, "No master key is set: the dashboard needs no login (loopback only).");
            return;
        }

        string? key = null;
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("master_key", out var value) &&
                value.ValueKind == JsonValueKind.String)
            {
                key = value.GetString();
            }
        }
        catch (JsonException)
        {
        }

        var auth = context.RequestServices.GetRequiredService<AuthService>();
        var result = string.IsNullOrEmpty(key) ? null : await auth.AuthenticateAsync(key, context.RequestAborted);
        if (result is not { Succeeded: true, Caller.Kind: CallerKind.Master })
        {
            await DashboardJson.ErrorAsync(context, 401, "That is not the master key.");
            return;
        }

        var session = context.RequestServices.GetRequiredService<DashboardSessions>().Create();
        context.Response.Cookies.Append(DashboardAccess.CookieName, session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/ui",
            MaxAge = DashboardSessions.Lifetime,
        });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static Task LogoutAsync(HttpContext context)
    {
        context.RequestServices.GetRequiredService<DashboardSessions>().Remove(context.Request.Cookies[DashboardAccess.CookieName]);
        context.Response.Cookies.Delete(DashboardAccess.CookieName, new CookieOptions { Path = "/ui" });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static async Task PoolsAsync(HttpContext context, Router router, SecretRedactor secrets)
    {
        if (!await DashboardAccess.AllowAsync(context, write: false))
        {
            return;
        }

        // As /router/status: the whole answer is searched for configured keys once more (architecture decision 8).
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            RouterStatusJson.Write(writer, router.Snapshot());
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(secrets.RedactUtf8(buffer.WrittenMemory), context.RequestAborted);
    }

    private static async Task UsageAsync(HttpContext context)
    {
        if (!await DashboardAccess.AllowAsync(context, write: false) || await ReportsAsync(context) is not { } reports)
        {
            return;
        }

        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var range = context.Request.Query["range"].ToString() is { Length: > 0 } r ? r : "hour";
        var (grain, span, step) = range switch
        {
            "day" => (RollupGrain.Hour, TimeSpan.FromDays(1), UsageRollupBatch.HourMs),
            "month" => (RollupGrain.Day, TimeSpan.FromDays(30), UsageRollupBatch.DayMs),
            _ => (RollupGrain.Minute, TimeSpan.FromHours(1), UsageRollupBatch.MinuteMs),
        };
        range = range is "day" or "month" ? range : "hour";
        // Buckets are whole steps: the range ends at the end of the current step and starts so many steps before.
        var toMs = (now.ToUnixTimeMilliseconds() / step + 1) * step;
        var to = DateTimeOffset.FromUnixTimeMilliseconds(toMs);
        var from = DateTimeOffset.FromUnixTimeMilliseconds(toMs - (long)span.TotalMilliseconds);
        var ct = context.RequestAborted;
        var series = await reports.GetUsageSeriesAsync(grain, from, to, step, ct);
        var byKey = await reports.GetUsageBreakdownAsync(grain, UsageDimension.Key, from, to, 20, ct);
        var byGroup = await reports.GetUsageBreakdownAsync(grain, UsageDimension.ModelGroup, from, to, 20, ct);
        var byDeployment = await reports.GetUsageBreakdownAsync(grain, UsageDimension.Deployment, from, to, 50, ct);
        await WriteJsonAsync(context, w => DashboardJson.WriteUsage(w, range, from, to, step, series, byKey, byGroup, byDeployment));
    }

    private static async Task RequestsAsync(HttpContext context)
    {
        if (!await DashboardAccess.AllowAsync(context, write: false) || await ReportsAsync(context) is not { } reports)
        {
            return;
        }

        var q = context.Request.Query;
        var key = q["key"].ToString();
        // A key by its token id (as the Keys page shows) or by its alias, which is looked up so that the query walks the
        // key's own index; an alias no key has any more is matched on the rows' recorded alias.
        string? keyHash = KeyHasher.LooksLikeHash(key) ? key.ToLowerInvariant() : null;
        string? keyAlias = null;
        if (key.Length > 0 && keyHash is null)
        {
            var byAlias = await context.RequestServices.GetRequiredService<IGatewayStore>().GetKeyByAliasAsync(key, context.RequestAborted);
            keyHash = byAlias?.KeyHash;
            keyAlias = byAlias is null ? key : null;
        }

        var query = new UsageQuery
        {
            KeyHash = keyHash,
            KeyAlias = keyAlias,
            ModelGroup = q["group"].ToString() is { Length: > 0 } group ? group : null,
            Failed = q["status"].ToString() switch { "error" => true, "ok" => false, _ => null },
        };
        var limit = int.TryParse(q["limit"], out var l) ? Math.Clamp(l, 1, 500) : 100;
        var records = await reports.GetRecentUsageAsync(query, limit, context.RequestAborted);
        await WriteJsonAsync(context, w => DashboardJson.WriteRequests(w, records));
    }

    private static async Task<IUsageReports?> ReportsAsync(HttpContext context)
    {
        if (context.RequestServices.GetRequiredService<IGatewayStore>() is IUsageReports reports)
        {
            return reports;
        }

        await DashboardJson.ErrorAsync(context, 501, "This store keeps no usage rollups.");
        return null;
    }

    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        write(writer);
        await writer.FlushAsync(context.RequestAborted);
    }
}
