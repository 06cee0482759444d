using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Switchboard.Config;

// litellm_settings and general_settings.
internal sealed partial class ConfigParser
{
    private static readonly HashSet<string> s_unsupportedLiteLlm = new(StringComparer.Ordinal)
    {
        "service_callback", "turn_off_message_logging",
        "redact_user_api_key_info", "redact_messages_in_exceptions", "max_budget", "budget_duration", "telemetry",
        "default_team_settings", "default_internal_user_params", "upperbound_key_generate_params", "allowed_fails",
        "content_policy_fallbacks", "default_fallbacks", "force_ipv4", "modify_params", "enable_preview_features",
        "return_response_headers", "disable_end_user_cost_tracking", "key_generation_settings", "ssl_verify",
    };

    private static readonly HashSet<string> s_unsupportedGeneral = new(StringComparer.Ordinal)
    {
        "alerting", "alerting_threshold", "alert_types", "alert_to_webhook_url", "database_connection_pool_limit",
        "database_connection_timeout", "disable_master_key_return",
        "proxy_batch_write_at", "background_health_checks", "health_check_interval", "health_check_details",
        "allowed_routes", "admin_only_routes", "public_routes", "enforce_user_param", "custom_auth", "ui_access_mode",
        "max_response_size_mb", "proxy_budget_rescheduler_min_time", "proxy_budget_rescheduler_max_time",
        "allow_requests_on_db_unavailable", "disable_reset_budget", "use_redis_transaction_buffer", "pass_through_endpoints",
        "infer_model_from_keys", "maximum_spend_logs_retention_period", "user_header_name",
    };

    private (LiteLlmSettings Settings, List<FallbackRule>? Fallbacks, List<FallbackRule>? ContextFallbacks) ParseLiteLlmSettings(
        YamlNode node, string path)
    {
        var s = new LiteLlmSettings();
        List<FallbackRule>? fallbacks = null, contextFallbacks = null;
        foreach (var (key, value, keyPath) in Entries(node, path) ?? [])
        {
            switch (key)
            {
                case "drop_params": s = s with { DropParams = Bool(value, keyPath) ?? s.DropParams }; break;
                case "request_timeout": s = s with { RequestTimeout = Seconds(value, keyPath, allowZero: false) }; break;
                case "num_retries": s = s with { NumRetries = NonNegativeInt(value, keyPath) }; break;
                case "cache": s = s with { Cache = Bool(value, keyPath) ?? s.Cache }; break;
                case "cache_params": s = s with { CacheParams = StringMap(value, keyPath) ?? s.CacheParams }; break;
                case "set_verbose": s = s with { SetVerbose = Bool(value, keyPath) ?? s.SetVerbose }; break;
                case "json_logs": s = s with { JsonLogs = Bool(value, keyPath) ?? s.JsonLogs }; break;
                case "callbacks" or "success_callback" or "failure_callback":
                    // otel and prometheus are honoured; other integrations (langfuse, datadog…) are warned about.
                    var callbacks = StringList(value, keyPath);
                    var known = callbacks.Where(c => c.ToLowerInvariant() is "otel" or "opentelemetry" or "prometheus").ToList();
                    if (known.Count < callbacks.Count)
                    {
                        Unsupported(keyPath, value);
                    }

                    s = s with { Callbacks = [.. s.Callbacks, .. known.Where(c => !s.Callbacks.Contains(c))] };
                    break;
                case "require_auth_for_metrics_endpoint":
                    s = s with { RequireAuthForMetricsEndpoint = Bool(value, keyPath) ?? s.RequireAuthForMetricsEndpoint };
                    break;
                case "fallbacks": fallbacks = Fallbacks(value, keyPath); break;
                case "context_window_fallbacks": contextFallbacks = Fallbacks(value, keyPath); break;
                default: Ignore(keyPath, value, s_unsupportedLiteLlm.Contains(key)); break;
            }
        }

        return (s, fallbacks, contextFallbacks);
    }

    /// <summary>A list of strings, or one string (LiteLLM accepts both for callbacks).</summary>
    private List<string> StringList(YamlNode node, string path)
    {
        if (node is YamlSequenceNode seq)
        {
            return [.. seq.Children.Select((c, i) => String(c, Item(path, i))).OfType<string>()];
        }

        return String(node, path) is { } one ? [one] : [];
    }

    private GeneralSettings? ParseGeneralSettings(YamlNode node, string path)
    {
        if (Entries(node, path) is not { } entries)
        {
            return null;
        }

        var g = new GeneralSettings();
        foreach (var (key, value, keyPath) in entries)
        {
            switch (key)
            {
                case "master_key":
                    g = g with { MasterKey = String(value, keyPath) };
                    break;
                case "database_url":
                    g = g with { DatabaseUrl = String(value, keyPath) };
                    break;
                case "graceful_shutdown_s":
                    g = g with { GracefulShutdown = Seconds(value, keyPath, allowZero: true) ?? g.GracefulShutdown };
                    break;
                case "store_model_in_db":
                    g = g with { StoreModelInDb = Bool(value, keyPath) ?? g.StoreModelInDb };
                    break;
                case "disable_spend_logs":
                    g = g with { DisableSpendLogs = Bool(value, keyPath) ?? g.DisableSpendLogs };
                    break;
                case "ssl_keyfile_path":
                    g = g with { SslKeyfilePath = String(value, keyPath) };
                    break;
                case "ssl_certfile_path":
                    g = g with { SslCertfilePath = String(value, keyPath) };
                    break;
                case "max_request_size_mb":
                    if (Number(value, keyPath, 0, minExclusive: true) is { } mb)
                    {
                        if (mb > 1024 * 1024)
                        {
                            Error(keyPath, value, $"is too large ({mb.ToString(CultureInfo.InvariantCulture)} MB)");
                        }
                        else
                        {
                            g = g with { MaxRequestBodyBytes = (long)(mb * 1024 * 1024) };
                        }
                    }

                    break;
                case "max_sse_event_bytes":
                    // At least 1 KiB: no real event is smaller, and a tiny cap would fail every stream.
                    if (Int(value, keyPath, 1024) is { } maxEvent)
                    {
                        g = g with { MaxSseEventBytes = maxEvent };
                    }

                    break;
                case "disable_metrics":
                    g = g with { DisableMetrics = Bool(value, keyPath) ?? g.DisableMetrics };
                    break;
                case "metrics_port":
                    g = g with { MetricsPort = Int(value, keyPath, 1) is { } port and <= 65535 ? port : g.MetricsPort };
                    break;
                case "log_max_size_mb":
                    g = g with { LogMaxSizeMb = Number(value, keyPath, 0, minExclusive: true) ?? g.LogMaxSizeMb };
                    break;
                case "log_max_files":
                    g = g with { LogMaxFiles = Int(value, keyPath, 1) ?? g.LogMaxFiles };
                    break;
                default:
                    Ignore(keyPath, value, s_unsupportedGeneral.Contains(key));
                    break;
            }
        }

        return g;
    }
}
