using YamlDotNet.RepresentationModel;

namespace Switchboard.Config;

// The top level: sections, environment_variables, and the checks that span sections.
internal sealed partial class ConfigParser
{
    // LiteLLM proxy sections that Switchboard reads nothing from; a config carrying them still loads.
    private static readonly HashSet<string> s_unsupportedTopLevel = new(StringComparer.Ordinal)
    {
        "include", "callback_settings", "guardrails", "credential_list", "mcp_servers", "files_settings",
        "finetune_settings", "assistant_settings", "search_tools", "vector_store_registry",
    };

    private GatewayConfig? ParseRoot(YamlNode? root, string? sourcePath)
    {
        if (root is null || IsNull(root))
        {
            Error("", null, "the config is empty: it needs at least a model_list");
            return null;
        }

        if (Entries(root, "") is not { } sections)
        {
            return null;
        }

        // LiteLLM exports environment_variables before it reads the rest, wherever the block sits.
        foreach (var (_, value, path) in sections.Where(s => s.Key == "environment_variables"))
        {
            ParseEnvironmentVariables(value, path);
        }

        var router = new RouterSettings();
        var litellm = new LiteLlmSettings();
        var general = new GeneralSettings();
        var deployments = new List<DeploymentConfig>();
        YamlNode? modelList = null;
        List<FallbackRule>? litellmFallbacks = null;
        List<FallbackRule>? litellmContextFallbacks = null;
        var routerHasFallbacks = false;
        var routerHasContextFallbacks = false;
        foreach (var (key, value, path) in sections)
        {
            switch (key)
            {
                case "environment_variables":
                    break;
                case "model_list":
                    modelList = value;
                    deployments = ParseModelList(value, path);
                    break;
                case "router_settings":
                    router = ParseRouterSettings(value, path) ?? router;
                    routerHasFallbacks = HasKey(value, "fallbacks");
                    routerHasContextFallbacks = HasKey(value, "context_window_fallbacks");
                    break;
                case "litellm_settings":
                    (litellm, litellmFallbacks, litellmContextFallbacks) = ParseLiteLlmSettings(value, path);
                    break;
                case "general_settings":
                    general = ParseGeneralSettings(value, path) ?? general;
                    break;
                default:
                    Ignore(path, value, s_unsupportedTopLevel.Contains(key));
                    break;
            }
        }

        // With store_model_in_db (LiteLLM's STORE_MODEL_IN_DB too) the deployments may all come from the database.
        var storeInDb = general.StoreModelInDb || string.Equals(_getEnv("STORE_MODEL_IN_DB"), "true", StringComparison.OrdinalIgnoreCase);
        if (modelList is null && !storeInDb)
        {
            Error("model_list", root, "required: list at least one deployment (model_name + litellm_params)");
        }
        else if (_emptyModelList is not null && !storeInDb)
        {
            Error("model_list", _emptyModelList, "is empty: list at least one deployment (model_name + litellm_params)");
        }

        // LiteLLM also takes fallbacks from litellm_settings; router_settings wins when both are given.
        router = router with
        {
            Fallbacks = routerHasFallbacks ? router.Fallbacks : litellmFallbacks ?? router.Fallbacks,
            ContextWindowFallbacks = routerHasContextFallbacks ? router.ContextWindowFallbacks : litellmContextFallbacks ?? router.ContextWindowFallbacks,
        };

        if (_errors.Count > 0)
        {
            return null;
        }

        CheckGroupReferences(router, deployments);
        return new GatewayConfig
        {
            ModelList = ApplyRouterDefaults(deployments),
            Router = router,
            LiteLlm = litellm,
            General = general,
            SourcePath = sourcePath,
        };
    }

    private static bool HasKey(YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.ContainsKey(new YamlScalarNode(key));

    private void ParseEnvironmentVariables(YamlNode node, string path)
    {
        foreach (var (key, value, itemPath) in Entries(node, path) ?? [])
        {
            if (TryString(value, itemPath, out var text))
            {
                _fileEnv[key] = text ?? "";
            }
        }
    }

    private List<DeploymentConfig> ApplyRouterDefaults(List<DeploymentConfig> deployments) =>
        _defaultMaxParallelRequests is { } cap
            ? deployments.Select(d => d.MaxParallelRequests is null ? d with { MaxParallelRequests = cap } : d).ToList()
            : deployments;

    // A dangling group name is a warning, not an error: LiteLLM only notices at request time, and
    // an existing config must keep loading.
    private void CheckGroupReferences(RouterSettings router, List<DeploymentConfig> deployments)
    {
        var groups = deployments.Select(d => d.ModelName).ToHashSet(StringComparer.Ordinal);
        bool Exists(string group) =>
            groups.Contains(group) || router.ModelGroupAlias.ContainsKey(group) || deployments.Exists(d => d.IsWildcard && WildcardMatches(d.ModelName, group));

        foreach (var (alias, target) in router.ModelGroupAlias)
        {
            if (!groups.Contains(target))
            {
                Warn($"router_settings.model_group_alias.{alias}", null, $"model group '{target}' is not in model_list");
            }
        }

        foreach (var (name, rules) in new[] { ("fallbacks", router.Fallbacks), ("context_window_fallbacks", router.ContextWindowFallbacks) })
        {
            foreach (var target in rules.SelectMany(r => r.Fallbacks.Prepend(r.ModelGroup)).Distinct(StringComparer.Ordinal))
            {
                if (!Exists(target))
                {
                    Warn($"router_settings.{name}", null, $"model group '{target}' is not in model_list");
                }
            }
        }
    }

    private static bool WildcardMatches(string pattern, string name)
    {
        var parts = pattern.Split('*');
        if (!name.StartsWith(parts[0], StringComparison.Ordinal) || !name.EndsWith(parts[^1], StringComparison.Ordinal))
        {
            return false;
        }

        var at = parts[0].Length;
        foreach (var part in parts[1..^1])
        {
            var found = name.IndexOf(part, at, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            at = found + part.Length;
        }

        return at <= name.Length - parts[^1].Length;
    }
}
