namespace Switchboard.Config;

/// <summary>
/// The provider prefixes of <c>litellm_params.model</c> and each provider's default <c>api_base</c>.
/// </summary>
internal static class Providers
{
    public const string OpenAi = "openai";
    public const string Zai = "zai";
    public const string Anthropic = "anthropic";
    public const string Mock = "mock";

    public const string OpenAiDefaultBase = "https://api.openai.com/v1";
    public const string ZaiDefaultBase = "https://api.z.ai/api/paas/v4";

    /// <summary>Z.ai Coding Plan keys only work here (<c>zai_plan: coding</c>).</summary>
    public const string ZaiCodingBase = "https://api.z.ai/api/coding/paas/v4";
    public const string AnthropicDefaultBase = "https://api.anthropic.com";
    public const string MockDefaultBase = "mock://local";

    public static readonly IReadOnlyList<string> Known = [OpenAi, Zai, Anthropic, Mock];

    // LiteLLM's names for "some OpenAI-compatible server": they speak the openai protocol but have no
    // sensible default endpoint, so they need an explicit api_base.
    private static readonly Dictionary<string, string> s_openAiAliases = new(StringComparer.Ordinal)
    {
        ["openai_compatible"] = OpenAi,
        ["custom_openai"] = OpenAi,
        ["hosted_vllm"] = OpenAi,
    };

    public static IEnumerable<string> Aliases => s_openAiAliases.Keys;

    /// <summary>Maps a prefix to its canonical provider; <paramref name="needsApiBase"/> for aliases without a default endpoint.</summary>
    public static string? Canonical(string prefix, out bool needsApiBase)
    {
        needsApiBase = false;
        if (Known.Contains(prefix, StringComparer.Ordinal))
        {
            return prefix;
        }

        if (s_openAiAliases.TryGetValue(prefix, out var canonical))
        {
            needsApiBase = true;
            return canonical;
        }

        return null;
    }

    public static string DefaultBase(string provider, bool zaiCodingPlan) => provider switch
    {
        Zai => zaiCodingPlan ? ZaiCodingBase : ZaiDefaultBase,
        Anthropic => AnthropicDefaultBase,
        Mock => MockDefaultBase,
        _ => OpenAiDefaultBase,
    };

    public static string KnownList => string.Join(", ", Known) + "; aliases of openai: " + string.Join(", ", Aliases);

    /// <summary>True for upstreams that speak the Anthropic Messages API.</summary>
    public static bool SpeaksAnthropic(string provider) => provider == Anthropic;

    /// <summary>True for Z.ai upstreams, named (zai/) or configured as openai/ with a Z.ai base URL.</summary>
    public static bool IsZai(string provider, string apiBase) =>
        provider == Zai
        || apiBase.Contains("z.ai", StringComparison.OrdinalIgnoreCase)
        || apiBase.Contains("bigmodel.cn", StringComparison.OrdinalIgnoreCase);
}
