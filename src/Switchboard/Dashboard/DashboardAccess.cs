using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Auth;

namespace Switchboard.Dashboard;

/// <summary>
/// Who may see the dashboard. With a master key: whoever logged in with it (session cookie). Without one (open mode,
/// architecture decision 7): loopback callers only, since an open gateway on a public address must not show its pool
/// and spend to the world. A write also needs the <c>X-Switchboard-UI</c> header, which a cross-site form cannot send
/// (a second guard beside the SameSite=Strict cookie).
/// </summary>
internal static class DashboardAccess
{
    public const string CookieName = "switchboard_session";
    public const string WriteHeader = "X-Switchboard-UI";

    public static bool IsOpenMode(HttpContext context) => context.RequestServices.GetRequiredService<AuthService>().IsOpenMode;

    public static bool IsLoopback(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address && System.Net.IPAddress.IsLoopback(address);

    /// <summary>True when the request may read the dashboard's data; otherwise writes 401/403 and returns false.</summary>
    public static async Task<bool> AllowAsync(HttpContext context, bool write)
    {
        if (IsOpenMode(context))
        {
            if (!IsLoopback(context))
            {
                await DashboardJson.ErrorAsync(context, 403,
                    "The dashboard is open only on loopback while no master key is set: set general_settings.master_key to use it from elsewhere.");
                return false;
            }
        }
        else if (!context.RequestServices.GetRequiredService<DashboardSessions>().IsValid(context.Request.Cookies[CookieName]))
        {
            await DashboardJson.ErrorAsync(context, 401, "Log in with the master key.");
            return false;
        }

        if (write && !context.Request.Headers.ContainsKey(WriteHeader))
        {
            await DashboardJson.ErrorAsync(context, 403, $"Dashboard writes need the {WriteHeader} header.");
            return false;
        }

        return true;
    }
}
