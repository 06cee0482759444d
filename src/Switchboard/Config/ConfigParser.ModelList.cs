using YamlDotNet.RepresentationModel;

namespace Switchboard.Config;

// model_list: one deployment per entry.
internal sealed partial class ConfigParser
{
    // litellm_params keys LiteLLM passes to its providers and Switchboard does not use.
    private static readonly HashSet<string> s_unsupportedParams = new(StringComparer.Ordinal)
    {
        "organization", "api_type", "region_name", "aws_region_name", "aws_access_key_id", "aws_secret_access_key",
        "vertex_project", "vertex_location", "vertex_credentials", "tags", "max_budget", "budget_duration",
        "use_in_pass_through", "merge_reasoning_content_in_choices", "drop_params", "additional_drop_params",
        "temperature", "max_tokens", "top_p", "seed", "mock_testing_rate_limit_error",
    };

    private static readonly HashSet<string> s_unsupportedModelInfo = new(StringComparer.Ordinal)
    {
        "base_model", "access_groups", "db_model", "team_id", "litellm_provider", "output_cost_per_reasoning_token",
        "input_cost_per_second", "output_cost_per_second",
    };

    private static readonly HashSet<string> s_modes = new(StringComparer.Ordinal)
    {
        "chat", "completion", "embedding", "responses", "rerank", "image_generation", "audio_transcription",
        "audio_speech", "moderation", "batch",
    };

    /// <summary>The model_list node when it was empty (an error unless store_model_in_db is on).</summary>
    private YamlNode? _emptyModelList;

    private List<DeploymentConfig> ParseModelList(YamlNode node, string path)
    {
        var deployments = new List<DeploymentConfig>();
        if (IsNull(node) || node is YamlSequenceNode { Children.Count: 0 })
        {
            // Fine with store_model_in_db (the deployments come from the database); ParseRoot decides once it has read that.
            _emptyModelList = node;
            return deployments;
        }

        if (node is not YamlSequenceNode list)
        {
            Error(path, node, $"expected a list of deployments (lines starting with '-'), got {Describe(node)}");
            return deployments;
        }

        var idOwners = new Dictionary<string, (int Index, bool Explicit)>(StringComparer.Ordinal);
        for (var i = 0; i < list.Children.Count; i++)
        {
            var itemPath = Item(path, i);
            if (ParseDeployment(list.Children[i], i, itemPath) is not { } parsed)
            {
                continue;
            }

            var (deployment, explicitId) = parsed;
            if (idOwners.TryGetValue(deployment.Id, out var owner))
            {
                if (explicitId || owner.Explicit)
                {
                    var idPath = explicitId ? $"{itemPath}.model_info.id" : itemPath;
                    Error(idPath, list.Children[i], $"duplicate deployment id '{deployment.Id}' (also {Item(path, owner.Index)})");
                }
                else
                {
                    // LiteLLM skips a repeated deployment too; a key listed twice would only skew the rotation.
                    Warn(itemPath, list.Children[i], $"same model_name, model, api_base and api_key as {Item(path, owner.Index)}; ignored");
                }

                continue;
            }

            idOwners[deployment.Id] = (i, explicitId);
            deployments.Add(deployment);
        }

        return deployments;
    }

    private (DeploymentConfig Deployment, bool ExplicitId)? ParseDeployment(YamlNode node, int index, string path)
    {
        var errorsBefore = _errors.Count;
        if (Entries(node, path) is not { } entries)
        {
            return null;
        }

        YamlNode? nameNode = null, paramsNode = null, infoNode = null;
        foreach (var (key, value, keyPath) in entries)
        {
            switch (key)
            {
                case "model_name": nameNode = value; break;
                case "litellm_params": paramsNode = value; break;
                case "model_info": infoNode = value; break;
                default: Unknown(keyPath, value); break;
            }
        }

        var modelName = RequiredString(nameNode, Child(path, "model_name"), node);
        var info = infoNode is null ? new ModelInfoParse() : ParseModelInfo(infoNode, Child(path, "model_info"));
        DeploymentParams? p = null;
        if (paramsNode is null)
        {
            Error(Child(path, "litellm_params"), node, "required: it holds the upstream model, api_key and api_base");
        }
        else
        {
            p = ParseParams(paramsNode, Child(path, "litellm_params"));
        }

        if (_errors.Count > errorsBefore || modelName is null || p is null)
        {
            return null;
        }

        var modelInfo = info.Info with
        {
            InputCostPerToken = info.Info.InputCostPerToken ?? p.InputCostPerToken,
            OutputCostPerToken = info.Info.OutputCostPerToken ?? p.OutputCostPerToken,
        };
        var id = info.Id ?? DeploymentId.Compute(modelName, p.Model, p.ApiBase, p.ApiKey);
        var deployment = new DeploymentConfig
        {
            Index = index,
            ModelName = modelName,
            Id = id,
            Provider = p.Provider,
            UpstreamModel = p.UpstreamModel,
            ApiKey = p.ApiKey,
            ApiBase = p.ApiBase,
            ApiVersion = p.ApiVersion,
            Rpm = p.Rpm,
            Tpm = p.Tpm,
            Weight = p.Weight,
            Order = p.Order,
            Timeout = p.Timeout,
            StreamTimeout = p.StreamTimeout,
            StreamIdleTimeout = p.StreamIdleTimeout,
            MaxRetries = p.MaxRetries,
            MaxParallelRequests = p.MaxParallelRequests,
            CooldownTime = p.CooldownTime,
            ExtraHeaders = p.ExtraHeaders,
            ModelInfo = modelInfo,
            Mock = p.Mock,
        };
        return (deployment, info.Id is not null);
    }

    private ModelInfoParse ParseModelInfo(YamlNode node, string path)
    {
        string? id = null;
        var info = new ModelInfoConfig();
        int? maxTokens = null;
        foreach (var (key, value, keyPath) in Entries(node, path) ?? [])
        {
            switch (key)
            {
                case "id":
                    id = RequiredString(value, keyPath, node);
                    break;
                case "mode":
                    info = info with { Mode = String(value, keyPath) };
                    if (info.Mode is { } mode && !s_modes.Contains(mode))
                    {
                        Warn(keyPath, value, $"unknown mode '{mode}' (known: {string.Join(", ", s_modes)})");
                    }

                    break;
                case "input_cost_per_token":
                    info = info with { InputCostPerToken = Number(value, keyPath, 0, minExclusive: false) };
                    break;
                case "output_cost_per_token":
                    info = info with { OutputCostPerToken = Number(value, keyPath, 0, minExclusive: false) };
                    break;
                case "cache_read_input_token_cost":
                    info = info with { CacheReadInputTokenCost = Number(value, keyPath, 0, minExclusive: false) };
                    break;
                case "cache_creation_input_token_cost":
                    info = info with { CacheCreationInputTokenCost = Number(value, keyPath, 0, minExclusive: false) };
                    break;
                case "max_output_tokens":
                    info = info with { MaxOutputTokens = PositiveInt(value, keyPath) };
                    break;
                case "max_tokens":
                    // LiteLLM's legacy name for the output limit; max_output_tokens wins when both are given.
                    maxTokens = PositiveInt(value, keyPath);
                    break;
                case "max_input_tokens":
                    info = info with { MaxInputTokens = PositiveInt(value, keyPath) };
                    break;
                case "supported_endpoints":
                    info = info with { SupportedEndpoints = StringList(value, keyPath) };
                    break;
                default:
                    // supports_vision, supports_function_calling, ...: descriptive flags that change nothing here.
                    if (!key.StartsWith("supports_", StringComparison.Ordinal))
                    {
                        Ignore(keyPath, value, s_unsupportedModelInfo.Contains(key));
                    }

                    break;
            }
        }

        return new ModelInfoParse(id, info with { MaxOutputTokens = info.MaxOutputTokens ?? maxTokens });
    }

    private sealed record ModelInfoParse(string? Id = null, ModelInfoConfig? ParsedInfo = null)
    {
        public ModelInfoConfig Info => ParsedInfo ?? new ModelInfoConfig();
    }
}
