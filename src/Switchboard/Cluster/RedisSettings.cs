using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using Switchboard.Config;

namespace Switchboard.Cluster;

/// <summary>
/// Where a Redis is, read as LiteLLM reads it, as StackExchange.Redis options. For the shared state
/// (<see cref="Resolve"/>): <c>router_settings</c>, else the environment. For the response cache (<see cref="ForCache"/>):
/// <c>cache_params</c>, else the same. In each source, in this order: Redis Cluster (<c>redis_startup_nodes</c>,
/// <c>REDIS_CLUSTER_NODES</c>: several endpoints, the library finds the cluster), Sentinel (<c>service_name</c> with
/// <c>sentinel_nodes</c>, <c>REDIS_SERVICE_NAME</c> with <c>REDIS_SENTINEL_NODES</c>: the library asks the sentinels for
/// the master and follows a failover), a URL (<c>redis://[user:password@]host[:port][/db]</c>, <c>rediss://</c> for TLS),
/// then host / port / password. <c>ssl</c> / <c>REDIS_SSL</c> and <c>username</c> / <c>REDIS_USERNAME</c> apply to all.
/// </summary>
internal static class RedisSettings
{
    /// <summary>The shared state's Redis, or null when none is configured (each instance keeps its own state).</summary>
    public static ConfigurationOptions? Resolve(RouterSettings router, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(environment);
        var fromConfig = new Source(router.RedisUrl, router.RedisHost, router.RedisPort, router.RedisPassword, router.RedisUsername, router.RedisSsl,
            router.RedisServiceName, router.RedisSentinelNodes, router.RedisSentinelPassword, router.RedisClusterNodes);
        return Build(fromConfig) ?? Build(FromEnvironment(environment));
    }

    /// <summary>The response cache's Redis (<c>cache_params.type: redis</c>): <c>cache_params</c>, else <see cref="Resolve"/>.</summary>
    public static ConfigurationOptions? ForCache(GatewayConfig config, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(environment);
        var p = config.LiteLlm.CacheParams;
        var port = p.GetValueOrDefault("port") is { } text && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (int?)null;
        var fromCache = new Source(p.GetValueOrDefault("url") ?? p.GetValueOrDefault("redis_url"), p.GetValueOrDefault("host"), port,
            p.GetValueOrDefault("password"), p.GetValueOrDefault("username"), Flag(p.GetValueOrDefault("ssl")),
            p.GetValueOrDefault("service_name"), Nodes(p.GetValueOrDefault("sentinel_nodes")), p.GetValueOrDefault("sentinel_password"),
            Nodes(p.GetValueOrDefault("redis_startup_nodes") ?? p.GetValueOrDefault("startup_nodes")));
        return Build(fromCache) ?? Resolve(config.Router, environment);
    }

    private static Source FromEnvironment(Func<string, string?> env)
    {
        var port = int.TryParse(env("REDIS_PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : (int?)null;
        return new Source(NonEmpty(env("REDIS_URL")), NonEmpty(env("REDIS_HOST")), port, NonEmpty(env("REDIS_PASSWORD")), NonEmpty(env("REDIS_USERNAME")),
            Flag(env("REDIS_SSL")), NonEmpty(env("REDIS_SERVICE_NAME")), Nodes(env("REDIS_SENTINEL_NODES")), NonEmpty(env("REDIS_SENTINEL_PASSWORD")),
            Nodes(env("REDIS_CLUSTER_NODES")));
    }

    private static ConfigurationOptions? Build(Source s)
    {
        ConfigurationOptions? options = null;
        if (s.ClusterNodes is { Count: > 0 } cluster)
        {
            // Several endpoints: the library reads the cluster's slot map from any of them.
            options = new ConfigurationOptions { Password = NonEmpty(s.Password) };
            foreach (var node in cluster)
            {
                options.EndPoints.Add(node);
            }
        }
        else if (s.SentinelNodes is { Count: > 0 } sentinels && !string.IsNullOrEmpty(s.ServiceName))
        {
            // The endpoints are the sentinels; the library asks them for the master of ServiceName. It has one password
            // for sentinels and master: the master's, else the sentinels'.
            options = new ConfigurationOptions { ServiceName = s.ServiceName, Password = NonEmpty(s.Password) ?? NonEmpty(s.SentinelPassword) };
            foreach (var node in sentinels)
            {
                options.EndPoints.Add(node.Contains(':', StringComparison.Ordinal) ? node : node + ":26379");
            }
        }
        else if (!string.IsNullOrEmpty(s.Url))
        {
            options = FromUrl(s.Url);
        }
        else if (!string.IsNullOrEmpty(s.Host))
        {
            options = FromParts(s.Host, s.Port, s.Password);
        }

        if (options is null)
        {
            return null;
        }

        if (s.Ssl == true)
        {
            options.Ssl = true;
        }

        if (!string.IsNullOrEmpty(s.Username) && options.User is null)
        {
            options.User = s.Username;
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

    /// <summary>
    /// Nodes from the environment or <c>cache_params</c>: JSON as LiteLLM documents it (<c>[["host", 26379]]</c>,
    /// <c>[{"host": "h", "port": "7001"}]</c>, <c>["h:7001"]</c>) or <c>host:port</c> separated by commas.
    /// </summary>
    internal static IReadOnlyList<string>? Nodes(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (!text.StartsWith('['))
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            var nodes = new List<string>();
            foreach (var node in doc.RootElement.EnumerateArray())
            {
                nodes.Add(node.ValueKind switch
                {
                    JsonValueKind.Array when node.GetArrayLength() == 2 => Scalar(node[0]) + ":" + Scalar(node[1]),
                    JsonValueKind.Object when node.TryGetProperty("host", out var host) =>
                        node.TryGetProperty("port", out var port) ? Scalar(host) + ":" + Scalar(port) : Scalar(host),
                    _ => Scalar(node),
                });
            }

            return nodes;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException("Redis nodes must be JSON ([[host, port]] or [{\"host\": ..., \"port\": ...}]) or host:port,host:port", e);
        }
    }

    private static string Scalar(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetRawText() : e.GetString() ?? "";

    private static bool? Flag(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Trim().ToLowerInvariant() is "true" or "1" or "yes";

    private static string? NonEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private sealed record Source(string? Url, string? Host, int? Port, string? Password, string? Username, bool? Ssl,
        string? ServiceName, IReadOnlyList<string>? SentinelNodes, string? SentinelPassword, IReadOnlyList<string>? ClusterNodes);
}
