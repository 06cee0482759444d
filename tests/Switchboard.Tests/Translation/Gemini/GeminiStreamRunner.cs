using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Protocols.OpenAi;
using Switchboard.Translation.Gemini;

namespace Switchboard.Tests.Translation.Gemini;

/// <summary>Feeds pivot SSE bytes, cut into the given pieces, through the parser and a Gemini stream writer, as the hub does.</summary>
internal static class GeminiStreamRunner
{
    public static byte[] Run(IEnumerable<byte[]> pieces, GeminiStreamFraming framing = GeminiStreamFraming.Sse, bool includeThoughts = true)
    {
        var writer = new GeminiStreamWriter(GeminiAnswerTranslatorTests.Request(includeThoughts), framing, responseId: null, estimatedInputTokens: 10);
        var output = new ArrayBufferWriter<byte>();
        var parser = new SseParser();
        writer.OnStart(output);
        foreach (var piece in pieces)
        {
            parser.Append(piece);
            while (parser.TryRead(out var e))
            {
                Handle(writer, e, output);
            }
        }

        while (parser.TryReadFinal(out var e))
        {
            Handle(writer, e, output);
        }

        if (!writer.Finished)
        {
            // What the hub does when the upstream closes: a stream with its finish reason is whole, else it is cut.
            if (writer.SawFinishReason)
            {
                writer.OnDone(output);
            }
            else
            {
                writer.OnError("api_error", "The upstream stream ended before it finished; the answer is incomplete.", output);
            }
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// What a client holds after reading the stream, as the SDKs accumulate it: the candidate's parts in order (adjacent
    /// text parts of one kind joined, empty ones dropped), the last finish reason and usage, and an error if one came.
    /// </summary>
    public static JsonObject Accumulate(IEnumerable<JsonNode?> events)
    {
        var parts = new JsonArray();
        var result = new JsonObject();
        foreach (var evt in events)
        {
            if (evt?["error"] is { } error)
            {
                result["error"] = error.DeepClone();
                continue;
            }

            var candidate = evt?["candidates"]?[0];
            foreach (var part in candidate?["content"]?["parts"]?.AsArray() ?? [])
            {
                Add(parts, part!);
            }

            if (candidate?["finishReason"] is { } reason)
            {
                result["finishReason"] = reason.DeepClone();
            }

            if (evt?["usageMetadata"] is { } usage)
            {
                result["usageMetadata"] = usage.DeepClone();
            }
        }

        result["parts"] = parts;
        return result;
    }

    public static List<JsonNode?> SseEvents(byte[] output) =>
        GoldenFiles.ParseSse(output).Select(e => JsonNode.Parse(e.Data)).ToList();

    private static void Add(JsonArray parts, JsonNode part)
    {
        if (part["text"] is { } text)
        {
            var value = (string)text!;
            var thought = (bool?)part["thought"] ?? false;
            if (value.Length == 0)
            {
                return;
            }

            if (parts.Count > 0 && parts[^1]!["text"] is { } previous && ((bool?)parts[^1]!["thought"] ?? false) == thought)
            {
                parts[^1]!["text"] = (string)previous! + value;
                return;
            }

            var copy = new JsonObject { ["text"] = value };
            if (thought)
            {
                copy["thought"] = true;
            }

            parts.Add(copy);
            return;
        }

        parts.Add(part.DeepClone());
    }

    private static void Handle(GeminiStreamWriter writer, SseEvent e, ArrayBufferWriter<byte> output)
    {
        if (e.IsDone)
        {
            writer.OnDone(output);
        }
        else if (!e.Data.IsEmpty)
        {
            writer.OnChunk(e.Data.Span, output);
        }
    }

    public static string Text(byte[] output) => Encoding.UTF8.GetString(output);
}
