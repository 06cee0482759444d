using System.Buffers;
using System.Text.Json;

namespace Switchboard.Upstream;

/// <summary>Deterministic OpenAI-format answers of the in-process mock provider.</summary>
internal static class MockAnswers
{
    public static IReadOnlyList<string> Split(string text, int chunks)
    {
        var words = text.Split(' ');
        var per = Math.Max(1, (int)Math.Ceiling(words.Length / (double)chunks));
        var pieces = new List<string>(chunks);
        for (var i = 0; i < words.Length; i += per)
        {
            var piece = string.Join(' ', words, i, Math.Min(per, words.Length - i));
            pieces.Add(i == 0 ? piece : " " + piece);
        }

        return pieces;
    }

    public static byte[] ChatCompletion(MockRequestInfo info, string model, string text)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", "chatcmpl-mock" + info.Hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("object", "chat.completion");
            w.WriteNumber("created", 1_700_000_000);
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            w.WriteString("content", text);
            w.WriteEndObject();
            w.WriteString("finish_reason", "stop");
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, info.PromptTokens, CountWords(text));
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Completion(MockRequestInfo info, string model, string text)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", "cmpl-mock" + info.Hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("object", "text_completion");
            w.WriteNumber("created", 1_700_000_000);
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteString("text", text);
            w.WriteString("finish_reason", "stop");
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, info.PromptTokens, CountWords(text));
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Embeddings(MockRequestInfo info, string model)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            var seed = info.Hash;
            for (var i = 0; i < info.InputCount; i++)
            {
                w.WriteStartObject();
                w.WriteString("object", "embedding");
                w.WriteNumber("index", i);
                w.WriteStartArray("embedding");
                for (var d = 0; d < 8; d++)
                {
                    seed = (seed * 1103515245) + 12345;
                    w.WriteNumberValue(Math.Round(((seed >> 8) % 2000 / 1000.0) - 1.0, 4));
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("model", model);
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", info.PromptTokens);
            w.WriteNumber("total_tokens", info.PromptTokens);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteChunk(IBufferWriter<byte> output, string id, string model, string? content, bool first, string? finish, bool legacy)
    {
        output.Write("data: "u8);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", legacy ? "text_completion" : "chat.completion.chunk");
            w.WriteNumber("created", 1_700_000_000);
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            if (legacy)
            {
                w.WriteString("text", content ?? string.Empty);
            }
            else
            {
                w.WriteStartObject("delta");
                if (first)
                {
                    w.WriteString("role", "assistant");
                }

                if (content is not null)
                {
                    w.WriteString("content", content);
                }

                w.WriteEndObject();
            }

            if (finish is null)
            {
                w.WriteNull("finish_reason");
            }
            else
            {
                w.WriteString("finish_reason", finish);
            }

            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        output.Write("\n\n"u8);
    }

    public static void WriteUsageChunk(IBufferWriter<byte> output, string id, string model, int promptTokens, int completionTokens, bool legacy)
    {
        output.Write("data: "u8);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", legacy ? "text_completion" : "chat.completion.chunk");
            w.WriteNumber("created", 1_700_000_000);
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            w.WriteEndArray();
            WriteUsage(w, promptTokens, completionTokens);
            w.WriteEndObject();
        }

        output.Write("\n\n"u8);
    }

    private static void WriteUsage(Utf8JsonWriter w, int prompt, int completion)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", prompt);
        w.WriteNumber("completion_tokens", completion);
        w.WriteNumber("total_tokens", prompt + completion);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static int CountWords(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
}
