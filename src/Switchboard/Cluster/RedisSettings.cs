using System.Globalization;
using StackExchange.Redis;
using Switchboard.Config;

namespace Switchboard.Cluster;

/// <summary>
/// Where the shared Redis is, read as LiteLLM reads it: <c>router_settings.redis_url</c>, else <c>redis_host</c> /
/// <c>redis_port</c> / <c>redis_password</c>, else the environment's <c>REDIS_URL</c>, else <c>REDIS_HOST</c> /
/// <c>REDIS_PORT</c> / <c>REDIS_PASSWORD</c>. A URL is <c>redis://[user:password@]host[:port][/db]</c>, or <c>rediss://</c> for TLS.
/// </summary>
internal static class RedisSettings
{
    /// <summary>The connection options, or null when no Redis is configured (each instance keeps its own state).</summary>
    public static ConfigurationOptions? Resolve(RouterSettings router, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(environment);
        ConfigurationOptions? options = null;
        if (!string.IsNullOrEmpty(router.RedisUrl))
        {
            options = FromUrl(router.RedisUrl);
        }
        else if (!string.IsNullOrEmpty(router.RedisHost))
        {
            options = FromParts(router.RedisHost, router.RedisPort, router.RedisPassword);
        }
        else if (environment("REDIS_URL") is { Length: > 0 } url)
        {
            options = FromUrl(url);
        }
        else if (environment("REDIS_HOST") is { Length: > 0 } host)
        {
            var port = int.TryParse(environment("REDIS_PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : (int?)null;
            options = FromParts(host, port, environment("REDIS_PASSWORD"));
        }

        if (options is null)
        {
            return null;
        }

        // Never wait for an absent Redis: connect in the background, fail commands at once while it is away (the
        // caller goes on with local state), and keep reconnecting.
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = 2000;
        options.AsyncTimeout = 1000;
        options.SyncTimeout = 1000;
        options.ConnectRetry = 1;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        options.ClientName = "switchboard";
        return options;
    }

    private static ConfigurationOptions FromParts(string host, int? port, string? password)
    {
        var options = new ConfigurationOptions { Password = string.IsNullOrEmpty(password) ? null : password };
        options.EndPoints.Add(host, port ?? 6379);
        return options;
    }

    private static ConfigurationOptions FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss"))
        {
            // Not a URL: StackExchange.Redis's own "host:port,password=…" form.
            return ConfigurationOptions.Parse(url);
        }

        var options = FromParts(uri.Host, uri.IsDefaultPort ? null : uri.Port, null);
        options.Ssl = uri.Scheme == "rediss";
        if (uri.UserInfo is { Length: > 0 } info)
        {
            var colon = info.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? info : info[..colon]);
            var password = colon < 0 ? null : Uri.UnescapeDataString(info[(colon + 1)..]);
            if (password is null)
            {
                // redis://password@host, as redis-py also reads it.
                options.Password = user;
            }
            else
            {
                options.User = user.Length == 0 || user == "default" ? null : user;
                options.Password = password;
            }
        }

        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db && int.TryParse(db, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            options.DefaultDatabase = n;
        }

        return options;
    }
}
