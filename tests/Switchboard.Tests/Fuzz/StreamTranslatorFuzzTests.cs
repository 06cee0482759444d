using System.Text;
using System.Text.Json;
using Switchboard.Tests.Translation;
using Switchboard.Translation;

namespace Switchboard.Tests.Fuzz;

/// <summary>
/// The stream translators read what an upstream sends, which the gateway does not control: hostile streams, split
/// anywhere, throw nothing, and every event they write carries JSON data.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class StreamTranslatorFuzzTests
{
    [Fact]
    public void OpenAiToAnthropic_HostileStreams_NoExceptionJsonEvents() =>
        FuzzRun.Check(
            random => (Bytes: HostileInputs.MutateSse(FuzzSeeds.OpenAiStreams[random.Next(FuzzSeeds.OpenAiStreams.Length)], random), Split: random.Next()),
            input => AssertJsonEvents(StreamRunner.OpenAiToAnthropic(SseParserFuzzTests.Pieces(input.Bytes, new Random(input.Split)),
                new OpenAiToAnthropicStreamTranslator("claude-x", "msg_fuzz", StreamRunner.Names(), 10))),
            input => Encoding.Latin1.GetString(input.Bytes));

    [Fact]
    public void AnthropicToOpenAi_HostileStreams_NoExceptionJsonEvents() =>
        FuzzRun.Check(
            random => (Bytes: HostileInputs.MutateSse(FuzzSeeds.AnthropicStreams[random.Next(FuzzSeeds.AnthropicStreams.Length)], random),
                Split: random.Next(), Usage: random.Next(2) == 0),
            input => AssertJsonEvents(StreamRunner.AnthropicToOpenAi(SseParserFuzzTests.Pieces(input.Bytes, new Random(input.Split)), input.Usage)),
            input => Encoding.Latin1.GetString(input.Bytes));

    private static void AssertJsonEvents(byte[] output)
    {
        foreach (var line in Encoding.UTF8.GetString(output).Split('\n'))
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && line != "data: [DONE]")
            {
                JsonDocument.Parse(line["data: ".Length..]).Dispose();
            }
        }
    }
}
