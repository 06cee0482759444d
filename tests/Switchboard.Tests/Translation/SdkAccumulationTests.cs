using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Models.Messages;
using CsCheck;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

/// <summary>The official Anthropic SDK, fed our translated stream, accumulates the message our non-stream translation gives.</summary>
public sealed class SdkAccumulationTests
{
    [Fact]
    public void AnthropicSdk_AggregatesTranslatedStream_EqualsNonStreamTranslation()
    {
        Gen.Select(Gen.Int, Gen.Bool, Gen.Bool).Sample((seed, done, interleave) =>
        {
            // The non-stream answer always carries usage and a finish reason; the stream must end the same way.
            var scenario = OpenAiStreamScenario.Create(seed, finish: true, usage: true, done, interleave);
            var names = new StreamRunnerNames();
            var sse = StreamRunner.OpenAiToAnthropic(StreamRunner.Random(scenario.StreamBytes(names), seed),
                new OpenAiToAnthropicStreamTranslator("claude-sonnet-4-5", "msg_p", names.Map, 10));
            var expected = JsonNode.Parse(OpenAiResponseTranslator.ToAnthropic(scenario.CompletionBytes(names), "claude-sonnet-4-5", names.Map, 10))!;

            var message = AggregateAsync(sse).GetAwaiter().GetResult();

            var actual = JsonNode.Parse(JsonSerializer.Serialize(message.RawData))!;
            var expectedBlocks = SortTools(expected["content"]!.AsArray());
            var actualBlocks = SortTools(actual["content"]!.AsArray());
            Assert.True(JsonNode.DeepEquals(expectedBlocks, actualBlocks), $"{scenario}\nexpected {expectedBlocks}\nactual   {actualBlocks}");
            Assert.Equal((string?)expected["stop_reason"], (string?)actual["stop_reason"]);
            Assert.Equal((int)expected["usage"]!["output_tokens"]!, (int)actual["usage"]!["output_tokens"]!);
            Assert.Equal((int)expected["usage"]!["input_tokens"]!, (int)actual["usage"]!["input_tokens"]!);
            Assert.Equal((int)expected["usage"]!["cache_read_input_tokens"]!, (int)actual["usage"]!["cache_read_input_tokens"]!);
        }, iter: 60, threads: 1);
    }

    private static async Task<Message> AggregateAsync(byte[] sse)
    {
        using var handler = new CannedHandler(sse);
        var client = new AnthropicClient { ApiKey = "test-key", BaseUrl = "http://127.0.0.1:9", HttpClient = new HttpClient(handler), MaxRetries = 0 };
        var parameters = new MessageCreateParams
        {
            MaxTokens = 100,
            Model = "claude-sonnet-4-5",
            Messages = [new UserMessageParam { Content = "hi" }],
        };
        return await client.Messages.CreateStreaming(parameters).Aggregate();
    }

    /// <summary>Interleaved upstream tool calls may reach the client in another order than the non-stream answer lists them.</summary>
    private static JsonArray SortTools(JsonArray blocks) =>
        new([.. blocks.OrderBy(b => (string?)b!["type"] == "tool_use" ? 1 : 0).ThenBy(b => (string?)b!["id"], StringComparer.Ordinal)
            .Select(b => b!.DeepClone())]);

    private sealed class CannedHandler(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }
    }
}
