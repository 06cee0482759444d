namespace Switchboard.Usage;

/// <summary>USD per token: prompt (uncached), completion, and prompt tokens read from the provider's cache.</summary>
internal readonly record struct ModelPrice(double InputPerToken, double OutputPerToken, double CacheReadPerToken)
{
    public static ModelPrice PerMillion(double input, double output, double cacheRead) =>
        new(input / 1_000_000, output / 1_000_000, cacheRead / 1_000_000);
}
