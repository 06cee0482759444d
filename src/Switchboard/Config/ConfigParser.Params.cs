using YamlDotNet.RepresentationModel;

namespace Switchboard.Config;

// model_list[].litellm_params.
internal sealed partial class ConfigParser
{
    private DeploymentParams? ParseParams(YamlNode node, string path)
    {
        if (Entries(node, path) is not { } entries)
        {
            return null;
        }

        var p = new DeploymentParams();
        YamlNode? modelNode = null, baseNode = null, planNode = null, providerNode = null;
        string? apiBase = null, zaiPlan = null, customProvider = null;
        foreach (var (key, value, keyPath) in entries)
        {
            switch (key)
            {
                case "model": modelNode = value; break;
                case "api_key": p.ApiKey = String(value, keyPath); break;
                case "api_base": baseNode = value; apiBase = String(value, keyPath); break;
                case "api_version": p.ApiVersion = String(value, keyPath); break;
                case "zai_plan": planNode = value; zaiPlan = String(value, keyPath); break;
                case "custom_llm_provider": providerNode = value; customProvider = String(value, keyPath); break;
                case "rpm": p.Rpm = PositiveInt(value, keyPath); break;
                case "tpm": p.Tpm = PositiveInt(value, keyPath); break;
                case "weight": p.Weight = Number(value, keyPath, 0, minExclusive: true); break;
                case "order": p.Order = NonNegativeInt(value, keyPath); break;
                case "timeout": p.Timeout = Seconds(value, keyPath, allowZero: false); break;
                case "stream_timeout": p.StreamTimeout = Seconds(value, keyPath, allowZero: false); break;
                case "stream_idle_timeout": p.StreamIdleTimeout = Seconds(value, keyPath, allowZero: false); break;
                case "max_retries": p.MaxRetries = NonNegativeInt(value, keyPath); break;
                case "max_parallel_requests": p.MaxParallelRequests = PositiveInt(value, keyPath); break;
                case "cooldown_time": p.CooldownTime = Seconds(value, keyPath, allowZero: true); break;
                case "extra_headers": p.ExtraHeaders = Headers(value, keyPath) ?? p.ExtraHeaders; break;
                case "input_cost_per_token": p.InputCostPerToken = Number(value, keyPath, 0, minExclusive: false); break;
                case "output_cost_per_token": p.OutputCostPerToken = Number(value, keyPath, 0, minExclusive: false); break;
                case "mock_latency_ms": p.Mock = p.Mock with { Latency = Milliseconds(value, keyPath) ?? TimeSpan.Zero }; break;
                case "mock_chunks": p.Mock = p.Mock with { Chunks = PositiveInt(value, keyPath) ?? p.Mock.Chunks }; break;
                case "mock_chunk_delay_ms": p.Mock = p.Mock with { ChunkDelay = Milliseconds(value, keyPath) ?? TimeSpan.Zero }; break;
                case "mock_response": p.Mock = p.Mock with { Response = String(value, keyPath) }; break;
                default: Ignore(keyPath, value, s_unsupportedParams.Contains(key)); break;
            }
        }

        var modelPath = Child(path, "model");
        var model = RequiredString(modelNode, modelPath, node);
        if (model is null || ProviderOf(model, customProvider, modelNode!, modelPath, providerNode) is not var (provider, upstream, needsApiBase))
        {
            return null;
        }

        (p.Model, p.Provider, p.UpstreamModel) = (model, provider, upstream);
        var codingPlan = ZaiPlan(p.Provider, zaiPlan, planNode, Child(path, "zai_plan"), apiBase is not null);
        if (apiBase is null && needsApiBase)
        {
            Error(Child(path, "api_base"), node, $"required for {model.Split('/')[0]}/ models: the address of the OpenAI-compatible server");
            return null;
        }

        p.ApiBase = apiBase is null ? Providers.DefaultBase(p.Provider, codingPlan) : CheckApiBase(apiBase, p.Provider, baseNode!, Child(path, "api_base"));
        return p;
    }

    private (string Provider, string Upstream, bool NeedsApiBase)? ProviderOf(
        string model, string? customProvider, YamlNode modelNode, string modelPath, YamlNode? providerNode)
    {
        var slash = model.IndexOf('/', StringComparison.Ordinal);
        var prefix = slash > 0 ? model[..slash] : null;
        if (customProvider is not null)
        {
            // LiteLLM's explicit provider: the model is sent as written, minus the provider's own prefix.
            if (Providers.Canonical(customProvider, out var aliasNeedsBase) is not { } canonical)
            {
                var providerPath = Child(modelPath[..modelPath.LastIndexOf('.')], "custom_llm_provider");
                Error(providerPath, providerNode, $"unknown provider '{customProvider}' (known: {Providers.KnownList})");
                return null;
            }

            return (canonical, prefix == customProvider ? model[(slash + 1)..] : model, aliasNeedsBase);
        }

        if (prefix is null)
        {
            Error(modelPath, modelNode, $"'{model}' has no provider prefix: write openai/{model} (any OpenAI-compatible "
                + $"endpoint, with api_base), zai/{model}, anthropic/{model} or mock/{model}");
            return null;
        }

        if (Providers.Canonical(prefix, out var needsApiBase) is not { } provider)
        {
            Error(modelPath, modelNode, $"unknown provider '{prefix}' (known: {Providers.KnownList})");
            return null;
        }

        var upstream = model[(slash + 1)..];
        if (upstream.Length == 0)
        {
            Error(modelPath, modelNode, $"'{model}' names no model after the provider prefix");
            return null;
        }

        return (provider, upstream, needsApiBase);
    }

    // Z.ai sells two plans whose keys only work on their own endpoint, so the plan is a property of the
    // key (this deployment), chosen with zai_plan: general (default) | coding. An explicit api_base wins.
    private bool ZaiPlan(string provider, string? plan, YamlNode? planNode, string planPath, bool hasApiBase)
    {
        if (plan is null)
        {
            return false;
        }

        if (provider != Providers.Zai)
        {
            Error(planPath, planNode, "applies only to zai/ models");
            return false;
        }

        if (plan is not ("general" or "coding"))
        {
            Error(planPath, planNode, $"expected general or coding, got '{plan}'");
            return false;
        }

        if (hasApiBase)
        {
            Warn(planPath, planNode, "ignored because api_base is set");
        }

        return plan == "coding";
    }

    private string CheckApiBase(string apiBase, string provider, YamlNode node, string path)
    {
        var trimmed = apiBase.Trim().TrimEnd('/');
        var schemeOk = Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
            && (uri.Scheme is "http" or "https" || (provider == Providers.Mock && uri.Scheme == "mock"));
        if (!schemeOk)
        {
            Error(path, node, $"'{apiBase}' is not an absolute http(s) URL");
            return trimmed;
        }

        // The user's guide points at https://api.z.ai/v1, where Z.ai serves nothing: say so before the first 404.
        if (uri!.Host.Equals("api.z.ai", StringComparison.OrdinalIgnoreCase) && !uri.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal))
        {
            WarnOnce(path, node, $"'{apiBase}' is not a Z.ai API path: use {Providers.ZaiDefaultBase} (Coding Plan keys: {Providers.ZaiCodingBase})");
        }

        return trimmed;
    }

    private Dictionary<string, string>? Headers(YamlNode node, string path)
    {
        var headers = StringMap(node, path);
        foreach (var name in headers?.Keys ?? Enumerable.Empty<string>())
        {
            if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || c == ':'))
            {
                Error(Child(path, name), node, "is not a valid HTTP header name");
            }
        }

        return headers;
    }

    private sealed class DeploymentParams
    {
        public string Model { get; set; } = "";
        public string Provider { get; set; } = "";
        public string UpstreamModel { get; set; } = "";
        public string? ApiKey { get; set; }
        public string ApiBase { get; set; } = "";
        public string? ApiVersion { get; set; }
        public int? Rpm { get; set; }
        public int? Tpm { get; set; }
        public double? Weight { get; set; }
        public int? Order { get; set; }
        public TimeSpan? Timeout { get; set; }
        public TimeSpan? StreamTimeout { get; set; }
        public TimeSpan? StreamIdleTimeout { get; set; }
        public int? MaxRetries { get; set; }
        public int? MaxParallelRequests { get; set; }
        public TimeSpan? CooldownTime { get; set; }
        public Dictionary<string, string> ExtraHeaders { get; set; } = new(StringComparer.Ordinal);
        public double? InputCostPerToken { get; set; }
        public double? OutputCostPerToken { get; set; }
        public MockParams Mock { get; set; } = new();
    }
}
