namespace Switchboard.Usage;

/// <summary>
/// USD per token: prompt (uncached), completion, prompt tokens read from the provider's cache, and prompt tokens
/// written to it (Anthropic charges a cache write above the input price; elsewhere it costs the input price).
/// </summary>
internal readonly record struct ModelPrice(double InputPerToken, double OutputPerToken, double CacheReadPerToken, double CacheWritePerToken)
{
    /// <summary>Per-million prices; a cache write costs the input price unless given.</summary>
    public static ModelPrice PerMillion(double input, double output, double cacheRead, double? cacheWrite = null) =>
        new(input / 1_000_000, output / 1_000_000, cacheRead / 1_000_000, (cacheWrite ?? input) / 1_000_000);
}
