namespace Switchboard.Upstream;

/// <summary>The provider prefixes of <c>litellm_params.model</c> and the protocol each speaks.</summary>
internal static class Providers
{
    public const string OpenAi = "openai";
    public const string Zai = "zai";
    public const string Anthropic = "anthropic";
    public const string Mock = "mock";

    /// <summary>True for upstreams that speak the Anthropic Messages API.</summary>
    public static bool SpeaksAnthropic(string provider) => provider == Anthropic;

    /// <summary>True for Z.ai upstreams, named or configured as openai/ with a Z.ai base URL.</summary>
    public static bool IsZai(string provider, string apiBase) =>
        provider == Zai
        || apiBase.Contains("z.ai", StringComparison.OrdinalIgnoreCase)
        || apiBase.Contains("bigmodel.cn", StringComparison.OrdinalIgnoreCase);
}
