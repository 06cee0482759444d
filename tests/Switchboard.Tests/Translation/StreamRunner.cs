using System.Buffers;
using Switchboard.Protocols.OpenAi;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

/// <summary>Feeds upstream SSE bytes, cut into the given pieces, through the parser and a stream translator, as the relay does.</summary>
internal static class StreamRunner
{
    public const string Model = "claude-sonnet-4-5";
    public const string MessageId = "msg_test";
    public const int EstimatedInput = 10;

    public static readonly string LongToolName = "mcp__very_long_server_name_for_testing__" + new string('x', 40) + "_tool";

    public static ToolNameMap Names()
    {
        var names = new ToolNameMap();
        names.Shorten(LongToolName);
        return names;
    }

    public static IEnumerable<byte[]> Whole(byte[] bytes) => [bytes];

    public static IEnumerable<byte[]> ByteByByte(byte[] bytes) => bytes.Select(b => new[] { b });

    public static IEnumerable<byte[]> Random(byte[] bytes, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < bytes.Length;)
        {
            var n = Math.Min(bytes.Length - i, random.Next(1, 24));
            yield return bytes[i..(i + n)];
            i += n;
        }
    }

    public static byte[] OpenAiToAnthropic(IEnumerable<byte[]> pieces, OpenAiToAnthropicStreamTranslator? translator = null)
    {
        translator ??= new OpenAiToAnthropicStreamTranslator(Model, MessageId, Names(), EstimatedInput);
        var output = new ArrayBufferWriter<byte>();
        var parser = new SseParser();
        foreach (var piece in pieces)
        {
            parser.Append(piece);
            while (parser.TryRead(out var e))
            {
                Handle(translator, e, output);
            }
        }

        while (parser.TryReadFinal(out var e))
        {
            Handle(translator, e, output);
        }

        translator.OnDone(output);
        return output.WrittenSpan.ToArray();
    }

    public static byte[] AnthropicToOpenAi(IEnumerable<byte[]> pieces, bool includeUsage, string? jsonTool = null)
    {
        var translator = new AnthropicToOpenAiStreamTranslator("gpt-4o", 1_700_000_000, includeUsage, jsonTool: jsonTool);
        var output = new ArrayBufferWriter<byte>();
        var parser = new SseParser();
        foreach (var piece in pieces)
        {
            parser.Append(piece);
            while (parser.TryRead(out var e))
            {
                translator.OnEvent(e.Name ?? "message", e.Data.Span, output);
            }
        }

        while (parser.TryReadFinal(out var e))
        {
            translator.OnEvent(e.Name ?? "message", e.Data.Span, output);
        }

        translator.OnEnd(output);
        return output.WrittenSpan.ToArray();
    }

    private static void Handle(OpenAiToAnthropicStreamTranslator translator, SseEvent e, ArrayBufferWriter<byte> output)
    {
        if (e.IsDone)
        {
            translator.OnDone(output);
        }
        else
        {
            translator.OnChunk(e.Data.Span, output);
        }
    }
}
