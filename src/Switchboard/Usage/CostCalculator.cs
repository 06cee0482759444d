using System.Runtime.CompilerServices;
using Switchboard.Config;

namespace Switchboard.Usage;

/// <summary>
/// The USD cost of one call: <c>model_info</c> prices when the config gives them, else the built-in table.
/// Prompt tokens include cached tokens (OpenAI's convention); the ones read from the cache cost the cache-read price,
/// the ones written to it (Anthropic's <c>cache_creation_input_tokens</c>) the cache-write price.
/// </summary>
internal static class CostCalculator
{
    // USD per million tokens (input, output, cache read[, cache write]), list prices checked 2026-11; a cache write costs the
    // input price unless given (OpenAI and Z.ai charge no write premium; Anthropic's 5-minute cache write is 1.25x input):
    // - GLM: Z.ai's pricing page (docs.z.ai/guides/overview/pricing), as also carried by OpenClaw's zai provider catalog.
    // - OpenAI: openai.com/api/pricing. Anthropic: docs.anthropic.com/en/docs/about-claude/pricing.
    // Longest prefix wins (and a digit may not follow it: glm-5 is not glm-50), so dated names (claude-sonnet-4-5-20250929, gpt-4o-2024-08-06) find their family.
    private static readonly (string Prefix, ModelPrice Price)[] BuiltIn =
    [
        ("glm-4.5-air", ModelPrice.PerMillion(0.20, 1.10, 0.03)),
        ("glm-4.5", ModelPrice.PerMillion(0.60, 2.20, 0.11)),
        ("glm-4.6", ModelPrice.PerMillion(0.60, 2.20, 0.11)),
        ("glm-4.7-flash", ModelPrice.PerMillion(0.07, 0.40, 0.07)),
        ("glm-4.7", ModelPrice.PerMillion(0.60, 2.20, 0.11)),
        ("glm-5", ModelPrice.PerMillion(1.00, 3.20, 0.20)),
        ("glm-5.1", ModelPrice.PerMillion(1.20, 4.00, 0.24)),
        ("glm-5-turbo", ModelPrice.PerMillion(1.20, 4.00, 0.24)),
        ("gpt-4o-mini", ModelPrice.PerMillion(0.15, 0.60, 0.075)),
        ("gpt-4o", ModelPrice.PerMillion(2.50, 10.00, 1.25)),
        ("gpt-4.1-nano", ModelPrice.PerMillion(0.10, 0.40, 0.025)),
        ("gpt-4.1-mini", ModelPrice.PerMillion(0.40, 1.60, 0.10)),
        ("gpt-4.1", ModelPrice.PerMillion(2.00, 8.00, 0.50)),
        ("claude-sonnet-4", ModelPrice.PerMillion(3.00, 15.00, 0.30, 3.75)),
        ("claude-haiku-4", ModelPrice.PerMillion(1.00, 5.00, 0.10, 1.25)),
        ("claude-opus-4-5", ModelPrice.PerMillion(5.00, 25.00, 0.50, 6.25)),
        ("claude-opus-4", ModelPrice.PerMillion(15.00, 75.00, 1.50, 18.75)),
    ];

    /// <summary>Cost in USD of one call's usage; 0 when neither <c>model_info</c> nor the table knows the model.</summary>
    public static double Cost(ModelInfoConfig? modelInfo, string? upstreamModel, Protocols.TokenUsage usage) =>
        Cost(modelInfo, upstreamModel, usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, usage.CacheCreationInputTokens);

    /// <summary>Cost in USD; 0 when neither <c>model_info</c> nor the table knows the model.</summary>
    public static double Cost(ModelInfoConfig? modelInfo, string? upstreamModel, long promptTokens, long completionTokens, long cachedTokens,
        long cacheCreationTokens = 0)
    {
        return PriceFor(modelInfo, upstreamModel) is { } price ? Cost(price, promptTokens, completionTokens, cachedTokens, cacheCreationTokens) : 0;
    }

    private static double Cost(ModelPrice price, long promptTokens, long completionTokens, long cachedTokens, long cacheCreationTokens)
    {
        var prompt = Math.Max(promptTokens, 0);
        var cached = Math.Clamp(cachedTokens, 0, prompt);
        var created = Math.Clamp(cacheCreationTokens, 0, prompt - cached);
        return ((prompt - cached - created) * price.InputPerToken) + (cached * price.CacheReadPerToken) +
            (created * price.CacheWritePerToken) + (Math.Max(completionTokens, 0) * price.OutputPerToken);
    }

    /// <summary><c>model_info</c> costs first (missing parts filled from the table), else the table, else null.</summary>
    public static ModelPrice? PriceFor(ModelInfoConfig? modelInfo, string? upstreamModel)
    {
        var builtIn = upstreamModel is null ? null : BuiltInPrice(upstreamModel);
        if (modelInfo is null || (modelInfo.InputCostPerToken is null && modelInfo.OutputCostPerToken is null
            && modelInfo.CacheReadInputTokenCost is null && modelInfo.CacheCreationInputTokenCost is null))
        {
            return builtIn;
        }

        // The table's cache prices go with the table's input price: with an input price of its own, a cache price
        // not given is that input price (what LiteLLM does).
        var input = modelInfo.InputCostPerToken ?? builtIn?.InputPerToken ?? 0;
        return new ModelPrice(
            input,
            modelInfo.OutputCostPerToken ?? builtIn?.OutputPerToken ?? 0,
            modelInfo.CacheReadInputTokenCost ?? (modelInfo.InputCostPerToken is null ? builtIn?.CacheReadPerToken : null) ?? input,
            modelInfo.CacheCreationInputTokenCost ?? (modelInfo.InputCostPerToken is null ? builtIn?.CacheWritePerToken : null) ?? input);
    }

    // Each deployment's price, resolved once per config object: every call prices the deployment that served it, and
    // resolving it each time lower-cased the name and scanned the table (~0.1 µs under ReadyToRun, ~0.45 µs under Native
    // AOT, docs/benchmarks.md, "Native AOT against ReadyToRun, profiled") and built a new price from model_info. Keyed
    // by reference: a reload or /model/update replaces the config object, so a changed price is resolved anew, and an
    // entry goes with its config.
    private static readonly ConditionalWeakTable<DeploymentConfig, ResolvedPrice> Resolved = new();

    private sealed class ResolvedPrice(ModelPrice? price)
    {
        public ModelPrice? Price { get; } = price;
    }

    /// <summary>The price of a deployment (<see cref="PriceFor"/> of its <c>model_info</c> and upstream model), resolved once per config object.</summary>
    public static ModelPrice? PriceOf(DeploymentConfig deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return Resolved.GetValue(deployment, static d => new ResolvedPrice(PriceFor(d.ModelInfo, d.UpstreamModel))).Price;
    }

    /// <summary>Cost in USD of one call's usage on <paramref name="deployment"/>; 0 when none served it or its model has no price.</summary>
    public static double Cost(DeploymentConfig? deployment, Protocols.TokenUsage usage) =>
        deployment is not null && PriceOf(deployment) is { } price
            ? Cost(price, usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, usage.CacheCreationInputTokens)
            : 0;

    /// <summary>Looks a model up in the built-in table, ignoring a provider prefix (<c>zai/</c>) and case.</summary>
    public static ModelPrice? BuiltInPrice(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = model[(model.LastIndexOf('/') + 1)..].ToLowerInvariant();
        if (name.StartsWith("claude", StringComparison.Ordinal))
        {
            name = name.Replace('.', '-');
        }

        ModelPrice? best = null;
        var bestLength = 0;
        foreach (var (prefix, price) in BuiltIn)
        {
            if (prefix.Length > bestLength && name.StartsWith(prefix, StringComparison.Ordinal) &&
                (name.Length == prefix.Length || !char.IsAsciiDigit(name[prefix.Length])))
            {
                best = price;
                bestLength = prefix.Length;
            }
        }

        return best;
    }
}
