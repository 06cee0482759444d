using System.Buffers;
using System.Text;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

public sealed class AnthropicToOpenAiStreamTranslatorTests
{
    private const string Set = "AnthropicStream";

    public static TheoryData<string> Cases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnEvent_GoldenStream_MatchesExpectedChunks(string name)
    {
        var input = GoldenFiles.Input(Set, name);
        var includeUsage = name.Contains("include-usage", StringComparison.Ordinal);
        // Cases named json-tool-* answer a JSON response_format through the forced tool.
        var jsonTool = name.StartsWith("json-tool", StringComparison.Ordinal) ? OpenAiRequestTranslator.JsonToolName : null;

        var output = StreamRunner.AnthropicToOpenAi(StreamRunner.Whole(input), includeUsage, jsonTool);

        GoldenFiles.AssertSse(Set, name, output);
        Assert.Equal(output, StreamRunner.AnthropicToOpenAi(StreamRunner.ByteByByte(input), includeUsage, jsonTool));
        Assert.Equal(output, StreamRunner.AnthropicToOpenAi(StreamRunner.Random(input, 7), includeUsage, jsonTool));
    }

    [Fact]
    public void OnUpstreamError_WritesOpenAiErrorChunkAndStops()
    {
        var translator = new AnthropicToOpenAiStreamTranslator("gpt", 1, includeUsage: true);
        var output = new ArrayBufferWriter<byte>();

        translator.OnUpstreamError("server_error", "broken", output);
        translator.OnEnd(output);

        Assert.Equal("data: {\"error\":{\"message\":\"broken\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n",
            Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.True(translator.Failed);
    }
}
