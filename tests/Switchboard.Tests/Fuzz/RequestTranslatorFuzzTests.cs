using System.Text;
using System.Text.Json;
using Switchboard.Api;
using Switchboard.Translation;

namespace Switchboard.Tests.Fuzz;

/// <summary>
/// The request translators run on bodies the routing skim accepted (as in the gateway): the only exception they may
/// throw is <see cref="TranslationException"/> (answered 400), and what they produce is JSON.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class RequestTranslatorFuzzTests
{
    [Fact]
    public void AnthropicToOpenAi_HostileRequests_OnlyTranslationException() =>
        FuzzRun.Check(
            random => (Body: HostileInputs.Mutate(FuzzSeeds.AnthropicRequests[random.Next(FuzzSeeds.AnthropicRequests.Length)], random),
                Glm: random.Next(2) == 0, Max: random.Next(3) == 0 ? (int?)random.Next(1, 100_000) : null),
            input =>
            {
                if (!Routable(input.Body))
                {
                    return;
                }

                try
                {
                    var translated = AnthropicRequestTranslator.ToOpenAi(input.Body,
                        new AnthropicToOpenAiOptions { UpstreamModel = "glm-4.6", IsGlm = input.Glm, MaxOutputTokens = input.Max });
                    JsonDocument.Parse(translated.Body).Dispose();
                }
                catch (TranslationException)
                {
                }
            },
            input => Encoding.Latin1.GetString(input.Body));

    [Fact]
    public void OpenAiToAnthropic_HostileRequests_OnlyTranslationException() =>
        FuzzRun.Check(
            random => HostileInputs.Mutate(FuzzSeeds.OpenAiRequests[random.Next(FuzzSeeds.OpenAiRequests.Length)], random),
            body =>
            {
                if (!Routable(body))
                {
                    return;
                }

                try
                {
                    var translated = OpenAiRequestTranslator.ToAnthropic(body, new OpenAiToAnthropicOptions { UpstreamModel = "claude-x" });
                    JsonDocument.Parse(translated.Body).Dispose();
                }
                catch (TranslationException)
                {
                }
            },
            body => Encoding.Latin1.GetString(body));

    /// <summary>What the gateway lets through to a translator: the skim accepts it (the endpoint's own checks come on top).</summary>
    private static bool Routable(byte[] body)
    {
        try
        {
            RoutingFields.Parse(body);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
