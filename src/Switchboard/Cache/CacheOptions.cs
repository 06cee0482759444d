using System.Globalization;
using Switchboard.Config;

namespace Switchboard.Cache;

/// <summary>
/// <c>litellm_settings.cache</c> and <c>cache_params</c> as the response cache reads them (LiteLLM's names): <c>type</c>
/// (<c>local</c>, or <c>redis</c>: shared by every instance on one Redis), <c>ttl</c> (seconds),
/// <c>namespace</c>, <c>mode</c> (<c>default_off</c>: only calls that ask with <c>cache: {use-cache: true}</c>),
/// <c>supported_call_types</c>, <c>max_size_in_memory</c> (entries of the local cache).
/// </summary>
internal sealed record CacheOptions
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromMinutes(10);

    public const int DefaultMaxEntries = 10_000;

    /// <summary>The largest answer stored: bigger ones are relayed and not cached.</summary>
    public const int MaxEntryBytes = 4 * 1024 * 1024;

    public string Type { get; init; } = "local";
    public TimeSpan Ttl { get; init; } = DefaultTtl;
    public string? Namespace { get; init; }
    public bool DefaultOff { get; init; }
    public IReadOnlySet<string>? SupportedCallTypes { get; init; }
    public int MaxEntries { get; init; } = DefaultMaxEntries;

    /// <summary>Problems found in <c>cache_params</c>; each was replaced by its default.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The options when caching is on (<c>litellm_settings.cache: true</c>), else null.</summary>
    public static CacheOptions? From(LiteLlmSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Cache)
        {
            return null;
        }

        var p = settings.CacheParams;
        var warnings = new List<string>();
        var options = new CacheOptions();
        if (p.TryGetValue("type", out var type))
        {
            options = options with { Type = type.Trim().ToLowerInvariant() };
            if (options.Type is not ("local" or "redis"))
            {
                warnings.Add($"cache_params.type '{type}' is not supported (local, redis); using local");
                options = options with { Type = "local" };
            }
        }

        if (p.TryGetValue("ttl", out var ttl))
        {
            if (double.TryParse(ttl, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            {
                options = options with { Ttl = TimeSpan.FromSeconds(seconds) };
            }
            else
            {
                warnings.Add($"cache_params.ttl '{ttl}' is not a positive number of seconds; using {DefaultTtl.TotalSeconds:0}");
            }
        }

        if (p.TryGetValue("namespace", out var ns) && ns.Length > 0)
        {
            options = options with { Namespace = ns };
        }

        if (p.TryGetValue("mode", out var mode))
        {
            options = options with { DefaultOff = string.Equals(mode.Trim(), "default_off", StringComparison.OrdinalIgnoreCase) };
        }

        if (p.TryGetValue("supported_call_types", out var types) && types.Length > 0)
        {
            options = options with
            {
                SupportedCallTypes = types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal),
            };
        }

        if (p.TryGetValue("max_size_in_memory", out var max))
        {
            if (int.TryParse(max, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                options = options with { MaxEntries = n };
            }
            else
            {
                warnings.Add($"cache_params.max_size_in_memory '{max}' is not a positive whole number; using {DefaultMaxEntries}");
            }
        }

        return options with { Warnings = warnings };
    }

    /// <summary>
    /// Whether a call type is cached. LiteLLM's names: <c>acompletion</c>/<c>completion</c> (chat),
    /// <c>atext_completion</c>/<c>text_completion</c>, <c>aembedding</c>/<c>embedding</c>,
    /// <c>anthropic_messages</c>. All when <c>supported_call_types</c> is not set.
    /// </summary>
    public bool Supports(CallType type) => SupportedCallTypes is not { } set || type switch
    {
        CallType.Chat => set.Contains("acompletion") || set.Contains("completion"),
        CallType.TextCompletion => set.Contains("atext_completion") || set.Contains("text_completion"),
        CallType.Embedding => set.Contains("aembedding") || set.Contains("embedding"),
        CallType.AnthropicMessages => set.Contains("anthropic_messages") || set.Contains("aanthropic_messages"),
        _ => false,
    };
}

/// <summary>The kinds of calls the cache tells apart (they never share an entry).</summary>
internal enum CallType
{
    Chat,
    TextCompletion,
    Embedding,
    AnthropicMessages,
}
