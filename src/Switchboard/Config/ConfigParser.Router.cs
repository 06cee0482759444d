using YamlDotNet.RepresentationModel;

namespace Switchboard.Config;

// router_settings.
internal sealed partial class ConfigParser
{
    private static readonly string[] s_strategies =
    [
        "round-robin", "simple-shuffle", "least-connections", "least-busy", "usage-based-routing",
        "usage-based-routing-v2", "latency-based-routing", "order",
    ];

    // LiteLLM's class names in retry_policy.
    private static readonly HashSet<string> s_retryClasses = new(StringComparer.Ordinal)
    {
        "BadRequestErrorRetries", "AuthenticationErrorRetries", "TimeoutErrorRetries", "RateLimitErrorRetries",
        "ContentPolicyViolationErrorRetries", "InternalServerErrorRetries",
    };

    private static readonly HashSet<string> s_unsupportedRouter = new(StringComparer.Ordinal)
    {
        "retry_after", "disable_cooldowns", "allowed_fails_policy", "model_group_retry_policy", "content_policy_fallbacks",
        "default_fallbacks", "max_fallbacks", "enable_tag_filtering", "cache_kwargs", "caching_groups", "client_ttl",
        "polling_interval", "provider_budget_config", "alerting_config", "router_general_settings", "optional_pre_call_checks",
        "default_litellm_params", "set_verbose", "debug_level", "redis_db", "assistants_config", "ignore_invalid_deployments",
    };

    private int? _defaultMaxParallelRequests;

    private RouterSettings? ParseRouterSettings(YamlNode node, string path)
    {
        if (Entries(node, path) is not { } entries)
        {
            return null;
        }

        var r = new RouterSettings();
        foreach (var (key, value, keyPath) in entries)
        {
            r = key switch
            {
                "routing_strategy" => r with { RoutingStrategy = Strategy(value, keyPath) ?? r.RoutingStrategy },
                "routing_strategy_args" => r with { LowestLatencyBuffer = StrategyArgs(value, keyPath) ?? r.LowestLatencyBuffer },
                "num_retries" => r with { NumRetries = NonNegativeInt(value, keyPath) },
                "cooldown_time" => r with { CooldownTime = Seconds(value, keyPath, allowZero: true) ?? r.CooldownTime },
                "request_timeout" => r with { RequestTimeout = Seconds(value, keyPath, allowZero: false) },
                "timeout" => r with { Timeout = Seconds(value, keyPath, allowZero: false) },
                "stream_timeout" => r with { StreamTimeout = Seconds(value, keyPath, allowZero: false) },
                "stream_idle_timeout" => r with { StreamIdleTimeout = Seconds(value, keyPath, allowZero: false) ?? r.StreamIdleTimeout },
                "disabled_probe_interval" => r with { DisabledProbeInterval = Seconds(value, keyPath, allowZero: false) },
                "allowed_fails" => r with { AllowedFails = NonNegativeInt(value, keyPath) ?? r.AllowedFails },
                "retry_policy" => r with { RetryPolicy = RetryPolicy(value, keyPath) },
                "fallbacks" => r with { Fallbacks = Fallbacks(value, keyPath) },
                "context_window_fallbacks" => r with { ContextWindowFallbacks = Fallbacks(value, keyPath) },
                "model_group_alias" => Aliases(r, value, keyPath),
                "wait_for_cooldown_s" => r with { WaitForCooldown = Seconds(value, keyPath, allowZero: true) ?? r.WaitForCooldown },
                "adaptive_limits" => r with { AdaptiveLimits = Bool(value, keyPath) ?? r.AdaptiveLimits },
                "session_affinity" => r with { SessionAffinity = Bool(value, keyPath) ?? r.SessionAffinity },
                "max_queued_requests" => r with { MaxQueuedRequests = NonNegativeInt(value, keyPath) ?? r.MaxQueuedRequests },
                "redis_host" => r with { RedisHost = String(value, keyPath) },
                "redis_port" => r with { RedisPort = Port(value, keyPath) },
                "redis_password" => r with { RedisPassword = String(value, keyPath) },
                "redis_url" => r with { RedisUrl = String(value, keyPath) },
                "redis_username" => r with { RedisUsername = String(value, keyPath) },
                "redis_ssl" => r with { RedisSsl = Bool(value, keyPath) },
                "redis_sentinel_nodes" or "sentinel_nodes" => r with { RedisSentinelNodes = RedisNodes(value, keyPath) },
                "redis_service_name" or "service_name" => r with { RedisServiceName = String(value, keyPath) },
                "redis_sentinel_password" or "sentinel_password" => r with { RedisSentinelPassword = String(value, keyPath) },
                "redis_startup_nodes" or "startup_nodes" or "redis_cluster_nodes" => r with { RedisClusterNodes = RedisNodes(value, keyPath) },
                "shared_lease_ttl_s" => r with { SharedLeaseTtl = Seconds(value, keyPath, allowZero: false) },
                "enable_pre_call_checks" => r with { EnablePreCallChecks = Bool(value, keyPath) ?? r.EnablePreCallChecks },
                "cache_responses" => r with { CacheResponses = Bool(value, keyPath) ?? r.CacheResponses },
                "default_max_parallel_requests" => DefaultMaxParallel(r, value, keyPath),
                _ => IgnoreRouterKey(r, key, value, keyPath),
            };
        }

        return r;
    }

    private RouterSettings IgnoreRouterKey(RouterSettings r, string key, YamlNode value, string path)
    {
        Ignore(path, value, s_unsupportedRouter.Contains(key));
        return r;
    }

    // Applied to every deployment without its own max_parallel_requests once model_list is read.
    private RouterSettings DefaultMaxParallel(RouterSettings r, YamlNode value, string path)
    {
        _defaultMaxParallelRequests = PositiveInt(value, path);
        return r;
    }

    private string? Strategy(YamlNode node, string path)
    {
        if (String(node, path) is not { } text)
        {
            return null;
        }

        var name = text.Trim().ToLowerInvariant().Replace('_', '-');
        if (s_strategies.Contains(name))
        {
            return name;
        }

        // Within one model group every deployment usually has the same price, so cheapest-first has
        // nothing to choose between: accepting it keeps LiteLLM configs loading.
        if (name == "cost-based-routing")
        {
            Warn(path, node, "cost-based-routing is not supported; using round-robin");
            return "round-robin";
        }

        Error(path, node, $"unknown routing strategy '{text}' (known: {string.Join(", ", s_strategies)})");
        return null;
    }

    private double? StrategyArgs(YamlNode node, string path)
    {
        double? buffer = null;
        foreach (var (key, value, keyPath) in Entries(node, path) ?? [])
        {
            if (key == "lowest_latency_buffer")
            {
                buffer = Number(value, keyPath, 0, minExclusive: false);
            }
            else
            {
                Ignore(keyPath, value, key is "ttl" or "max_latency_list_size");
            }
        }

        return buffer;
    }

    private int? Port(YamlNode node, string path)
    {
        var port = PositiveInt(node, path);
        if (port > 65535)
        {
            Error(path, node, $"is not a TCP port ({port})");
            return null;
        }

        return port;
    }

    private Dictionary<string, int> RetryPolicy(YamlNode node, string path)
    {
        var policy = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value, keyPath) in Entries(node, path) ?? [])
        {
            if (!s_retryClasses.Contains(key))
            {
                Warn(keyPath, value, $"unknown retry class, ignored (known: {string.Join(", ", s_retryClasses)})");
            }
            else if (NonNegativeInt(value, keyPath) is { } retries)
            {
                policy[key] = retries;
            }
        }

        return policy;
    }

    /// <summary><c>[{glm-pool: [backup-pool, other]}]</c>; a single name instead of a list is accepted.</summary>
    private List<FallbackRule> Fallbacks(YamlNode node, string path)
    {
        var rules = new List<FallbackRule>();
        if (IsNull(node))
        {
            return rules;
        }

        if (node is not YamlSequenceNode list)
        {
            Error(path, node, "expected a list like [{glm-pool: [backup-pool]}]");
            return rules;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var itemPath = Item(path, i);
            if (Entries(list.Children[i], itemPath) is not { } entries)
            {
                continue;
            }

            foreach (var (group, targets, groupPath) in entries)
            {
                if (Names(targets, groupPath) is { } names)
                {
                    rules.Add(new FallbackRule(group, names));
                }
            }
        }

        return rules;
    }

    private List<string>? Names(YamlNode node, string path)
    {
        if (node is YamlSequenceNode seq)
        {
            var names = seq.Children.Select((c, i) => RequiredString(c, Item(path, i), node)).ToList();
            return names.Contains(null) ? null : names.Select(n => n!).ToList();
        }

        return RequiredString(node, path, node) is { } single ? [single] : null;
    }

    /// <summary><c>alias: group</c> or <c>alias: {model: group, hidden: true}</c>.</summary>
    private RouterSettings Aliases(RouterSettings r, YamlNode node, string path)
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (alias, value, aliasPath) in Entries(node, path) ?? [])
        {
            if (value is not YamlMappingNode)
            {
                if (RequiredString(value, aliasPath, node) is { } target)
                {
                    aliases[alias] = target;
                }

                continue;
            }

            string? model = null;
            YamlNode? modelNode = null;
            foreach (var (key, item, keyPath) in Entries(value, aliasPath) ?? [])
            {
                switch (key)
                {
                    case "model":
                        modelNode = item;
                        model = RequiredString(item, keyPath, value);
                        break;
                    case "hidden" when Bool(item, keyPath) == true:
                        hidden.Add(alias);
                        break;
                    case "hidden":
                        break;
                    default:
                        Unknown(keyPath, item);
                        break;
                }
            }

            if (modelNode is null)
            {
                Error(Child(aliasPath, "model"), value, "required: the model group this alias stands for");
            }
            else if (model is not null)
            {
                aliases[alias] = model;
            }
        }

        return r with { ModelGroupAlias = aliases, HiddenModelGroupAliases = hidden };
    }
}
