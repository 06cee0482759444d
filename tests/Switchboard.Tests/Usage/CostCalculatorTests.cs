using Switchboard.Config;
using Switchboard.Protocols;
using Switchboard.Usage;

namespace Switchboard.Tests.Usage;

public sealed class CostCalculatorTests
{
    [Theory]
    [InlineData("glm-4.6", 0.60, 2.20)]
    [InlineData("zai/GLM-4.6", 0.60, 2.20)]
    [InlineData("glm-4.5-air", 0.20, 1.10)]
    [InlineData("glm-4.5", 0.60, 2.20)]
    [InlineData("glm-4.7", 0.60, 2.20)]
    [InlineData("glm-5", 1.00, 3.20)]
    [InlineData("gpt-4o-mini-2024-07-18", 0.15, 0.60)]
    [InlineData("gpt-4o-2024-08-06", 2.50, 10.00)]
    [InlineData("gpt-4.1", 2.00, 8.00)]
    [InlineData("claude-sonnet-4-5-20250929", 3.00, 15.00)]
    [InlineData("anthropic/claude-sonnet-4.5", 3.00, 15.00)]
    [InlineData("claude-haiku-4-5", 1.00, 5.00)]
    [InlineData("claude-opus-4-1-20250805", 15.00, 75.00)]
    [InlineData("claude-opus-4-5-20251101", 5.00, 25.00)]
    public void BuiltInPrice_KnownModel_ReturnsListPrice(string model, double inputPerMillion, double outputPerMillion)
    {
        var price = CostCalculator.BuiltInPrice(model);
        Assert.NotNull(price);
        Assert.Equal(inputPerMillion, price.Value.InputPerToken * 1_000_000, 9);
        Assert.Equal(outputPerMillion, price.Value.OutputPerToken * 1_000_000, 9);
    }

    [Theory]
    [InlineData("llama-3-70b")]
    [InlineData("glm-50")]
    public void BuiltInPrice_UnknownModel_ReturnsNull(string model) => Assert.Null(CostCalculator.BuiltInPrice(model));

    [Fact]
    public void BuiltInPrice_AlternatingModels_EachGetsItsOwnPrice()
    {
        // A model asked after another must not get the other's price, a model asked twice the same price, an unknown
        // model after a known one no price.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0.60, CostCalculator.BuiltInPrice("glm-4.6")!.Value.InputPerToken * 1_000_000, 9);
            Assert.Equal(0.60, CostCalculator.BuiltInPrice("glm-4.6")!.Value.InputPerToken * 1_000_000, 9);
            Assert.Equal(2.50, CostCalculator.BuiltInPrice("gpt-4o")!.Value.InputPerToken * 1_000_000, 9);
            Assert.Null(CostCalculator.BuiltInPrice("llama-3-70b"));
            Assert.Equal(0.20, CostCalculator.BuiltInPrice("GLM-4.5-AIR")!.Value.InputPerToken * 1_000_000, 9);
        }
    }

    [Fact]
    public void Cost_Deployment_PricedByItsModelInfoElseTheTable()
    {
        var table = Deployment("glm-4.6", modelInfo: null);
        var own = Deployment("glm-4.6", new ModelInfoConfig { InputCostPerToken = 0.001, OutputCostPerToken = 0.002 });
        var usage = new TokenUsage(10, 5, 0, Estimated: false);

        Assert.Equal(((10 * 0.60) + (5 * 2.20)) / 1_000_000, CostCalculator.Cost(table, usage), 15);
        Assert.Equal((10 * 0.001) + (5 * 0.002), CostCalculator.Cost(own, usage), 12);
        Assert.Equal(0, CostCalculator.Cost(Deployment("mystery", null), usage));
        Assert.Equal(0, CostCalculator.Cost((DeploymentConfig?)null, usage));
    }

    [Fact]
    public void PriceOf_ConfigReplacedWithAnotherPrice_NewPriceAndOldOneKept()
    {
        // A reload or /model/update gives a deployment a new config object: its price is resolved anew, and a call
        // still holding the old config keeps the old price.
        var before = Deployment("glm-4.6", new ModelInfoConfig { InputCostPerToken = 0.001, OutputCostPerToken = 0.002 });
        Assert.Equal(0.001, CostCalculator.PriceOf(before)!.Value.InputPerToken, 12);

        var after = before with { ModelInfo = new ModelInfoConfig { InputCostPerToken = 0.003, OutputCostPerToken = 0.004 } };
        var moved = before with { UpstreamModel = "gpt-4o", ModelInfo = new ModelInfoConfig() };

        Assert.Equal(0.003, CostCalculator.PriceOf(after)!.Value.InputPerToken, 12);
        Assert.Equal(2.50, CostCalculator.PriceOf(moved)!.Value.InputPerToken * 1_000_000, 9);
        Assert.Equal(0.001, CostCalculator.PriceOf(before)!.Value.InputPerToken, 12);
    }

    private static DeploymentConfig Deployment(string upstreamModel, ModelInfoConfig? modelInfo) => new()
    {
        Index = 0,
        ModelName = "group",
        Id = "d-" + upstreamModel,
        Provider = "openai",
        UpstreamModel = upstreamModel,
        ApiBase = "http://127.0.0.1:1",
        ModelInfo = modelInfo ?? new ModelInfoConfig(),
    };

    [Fact]
    public void Cost_CachedTokens_PricedAtCacheRead()
    {
        // glm-4.6: 900 uncached * 0.6 + 100 cached * 0.11 + 50 out * 2.2, per million
        var cost = CostCalculator.Cost(null, "glm-4.6", promptTokens: 1000, completionTokens: 50, cachedTokens: 100);
        Assert.Equal(((900 * 0.60) + (100 * 0.11) + (50 * 2.20)) / 1_000_000, cost, 15);
    }

    [Fact]
    public void Cost_ModelInfoPrices_WinOverTable()
    {
        var info = new ModelInfoConfig { InputCostPerToken = 0.001, OutputCostPerToken = 0.002 };
        Assert.Equal((10 * 0.001) + (5 * 0.002), CostCalculator.Cost(info, "glm-4.6", 10, 5, 0), 12);
    }

    [Fact]
    public void Cost_ModelInfoWithoutCacheRead_ChargesCachedAtInputPrice()
    {
        var info = new ModelInfoConfig { InputCostPerToken = 0.001, OutputCostPerToken = 0.002 };
        Assert.Equal(10 * 0.001, CostCalculator.Cost(info, "custom", 10, 0, 4), 12);
    }

    [Fact]
    public void Cost_ModelInfoCacheRead_Used()
    {
        var info = new ModelInfoConfig { InputCostPerToken = 0.001, OutputCostPerToken = 0.002, CacheReadInputTokenCost = 0.0001 };
        Assert.Equal((6 * 0.001) + (4 * 0.0001), CostCalculator.Cost(info, "custom", 10, 0, 4), 12);
    }

    [Fact]
    public void Cost_UnknownModelWithoutModelInfo_IsZero() => Assert.Equal(0, CostCalculator.Cost(null, "mystery", 1000, 1000, 0));

    [Fact]
    public void Cost_AnthropicCacheReadAndCreation_PricedAtTheirOwnRates()
    {
        // claude-sonnet-4-5: 200 fresh * 3 + 700 read * 0.30 + 100 written * 3.75 + 50 out * 15, per million
        var cost = CostCalculator.Cost(null, "claude-sonnet-4-5", promptTokens: 1000, completionTokens: 50, cachedTokens: 700, cacheCreationTokens: 100);
        Assert.Equal(((200 * 3.0) + (700 * 0.30) + (100 * 3.75) + (50 * 15.0)) / 1_000_000, cost, 12);
    }

    [Fact]
    public void Cost_ModelInfoCachePrices_UsedForReadAndCreation()
    {
        var info = new ModelInfoConfig
        {
            InputCostPerToken = 1e-6,
            OutputCostPerToken = 2e-6,
            CacheReadInputTokenCost = 1e-7,
            CacheCreationInputTokenCost = 5e-6,
        };
        var cost = CostCalculator.Cost(info, "claude-sonnet-4-5", promptTokens: 1000, completionTokens: 10, cachedTokens: 500, cacheCreationTokens: 300);
        Assert.Equal((200 * 1e-6) + (500 * 1e-7) + (300 * 5e-6) + (10 * 2e-6), cost, 15);
    }

    [Fact]
    public void Cost_ModelInfoInputPriceWithoutCachePrices_CachePartsCostTheInputPrice()
    {
        var info = new ModelInfoConfig { InputCostPerToken = 1e-6, OutputCostPerToken = 2e-6 };
        var cost = CostCalculator.Cost(info, "claude-sonnet-4-5", promptTokens: 1000, completionTokens: 0, cachedTokens: 500, cacheCreationTokens: 300);
        Assert.Equal(1000 * 1e-6, cost, 15);
    }

    [Fact]
    public void Cost_OnlyModelInfoCacheCreationPrice_OtherPricesFromTheTable()
    {
        var info = new ModelInfoConfig { CacheCreationInputTokenCost = 1e-5 };
        var cost = CostCalculator.Cost(info, "claude-sonnet-4-5", promptTokens: 100, completionTokens: 0, cachedTokens: 0, cacheCreationTokens: 100);
        Assert.Equal(100 * 1e-5, cost, 15);
    }

    [Fact]
    public void Cost_OpenAiModelCacheCreation_CostsTheInputPrice()
    {
        var cost = CostCalculator.Cost(null, "gpt-4o", promptTokens: 1000, completionTokens: 0, cachedTokens: 0, cacheCreationTokens: 400);
        Assert.Equal(1000 * 2.50 / 1_000_000, cost, 12);
    }
}
