using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

/// <summary>
/// Every golden request with one value swapped for a value of the wrong type or range, many times over: both request
/// translators either translate or throw <see cref="TranslationException"/> (a 400), never anything else (a 500).
/// </summary>
public sealed class RequestTranslatorMutationTests
{
    private static readonly Func<JsonNode?>[] s_hostile =
    [
        () => null,
        () => JsonValue.Create(1e300),
        () => JsonNode.Parse("1e400"),
        () => JsonNode.Parse("-1e400"),
        () => JsonValue.Create(-1),
        () => JsonValue.Create(0),
        () => JsonValue.Create(long.MaxValue),
        () => JsonValue.Create(true),
        () => JsonValue.Create(""),
        () => JsonValue.Create(new string('x', 300)),
        () => new JsonArray(),
        () => new JsonObject(),
        () => new JsonArray(JsonValue.Create(1), null, JsonValue.Create("s")),
        () => new JsonObject { ["type"] = "mystery", ["content"] = new JsonArray(new JsonObject { ["type"] = 5 }) },
    ];

    [Theory]
    [InlineData("AnthropicRequest", 80)]
    [InlineData("OpenAiRequest", 200)]
    public void Translate_OneValueMutated_OnlyTranslationExceptionEscapes(string set, int rounds)
    {
        var random = new Random(20261130);
        foreach (var name in Directory.GetFiles(Path.Combine(GoldenFiles.Root(), set), "*.input.json").Select(f => Path.GetFileName(f)[..^".input.json".Length]))
        {
            var input = JsonNode.Parse(GoldenFiles.Input(set, name))!;
            var request = input["requestFile"] is { } file
                ? JsonNode.Parse(File.ReadAllBytes(Path.Combine(GoldenFiles.Root(), set, (string)file!)))!
                : input["request"]!;
            for (var i = 0; i < rounds; i++)
            {
                var copy = request.DeepClone();
                var targets = new List<JsonNode>();
                Fuzz.HostileInputs.Collect(copy, targets);
                targets.RemoveAt(0); // the root is not a value to replace
                var target = targets[random.Next(targets.Count)];
                Replace(target, s_hostile[random.Next(s_hostile.Length)]());
                var bytes = Encoding.UTF8.GetBytes(copy.ToJsonString());
                try
                {
                    if (set == "AnthropicRequest")
                    {
                        AnthropicRequestTranslator.ToOpenAi(bytes, new AnthropicToOpenAiOptions { UpstreamModel = "glm-4.6", IsGlm = i % 2 == 0 });
                    }
                    else
                    {
                        OpenAiRequestTranslator.ToAnthropic(bytes, new OpenAiToAnthropicOptions { UpstreamModel = "claude" });
                    }
                }
                catch (TranslationException e)
                {
                    Assert.True(e.Message.Length < 400, e.Message);
                }
                catch (Exception e)
                {
                    Assert.Fail($"{set}/{name} round {i}: {e.GetType().Name}: {e.Message}\n{copy.ToJsonString()[..Math.Min(2000, copy.ToJsonString().Length)]}");
                }
            }
        }
    }

    private static void Replace(JsonNode target, JsonNode? value)
    {
        switch (target.Parent)
        {
            case JsonObject obj:
                obj[target.GetPropertyName()] = value;
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = value;
                break;
        }
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("1e308")]
    public void Translate_OutOfRangeSampling_ClampedNotThrown(string number)
    {
        var anthropic = $$$"""{"model":"c","max_tokens":{{{number}}},"temperature":{{{number}}},"top_p":{{{number}}},"messages":[{"role":"user","content":"x"}]}""";
        var openAi = $$$"""{"model":"g","max_tokens":{{{number}}},"temperature":{{{number}}},"top_p":{{{number}}},"messages":[{"role":"user","content":"x"}]}""";

        var toOpenAi = JsonNode.Parse(AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(anthropic), new AnthropicToOpenAiOptions { UpstreamModel = "glm-4.6", IsGlm = true }).Body)!;
        var toAnthropic = JsonNode.Parse(OpenAiRequestTranslator.ToAnthropic(Encoding.UTF8.GetBytes(openAi), new OpenAiToAnthropicOptions { UpstreamModel = "claude" }).Body)!;

        var topPOnly = $$$"""{"model":"g","top_p":{{{number}}},"messages":[{"role":"user","content":"x"}]}""";
        var toAnthropicTopP = JsonNode.Parse(OpenAiRequestTranslator.ToAnthropic(Encoding.UTF8.GetBytes(topPOnly), new OpenAiToAnthropicOptions { UpstreamModel = "claude" }).Body)!;

        Assert.InRange((double)toOpenAi["temperature"]!, 0, 1);
        Assert.InRange((double)toAnthropic["temperature"]!, 0, 1);
        Assert.Null(toAnthropic["top_p"]); // Anthropic refuses both at once
        Assert.InRange((double)toAnthropicTopP["top_p"]!, 0, 1);
        Assert.True((long)toOpenAi["max_tokens"]! >= 1);
    }
}
