using System.Text;

namespace Switchboard.Bench;

/// <summary>
/// A GLM-4.6 chat stream as Z.ai sends it (OpenAI chunk format): role, <c>reasoning_content</c> first, then
/// <c>content</c>, <c>finish_reason</c>, and usage on the last chunk; plus a tool-call stream with argument fragments.
/// </summary>
internal static class RecordedStream
{
    private const string Head = """{"id":"20261125174512abcdef","created":1764092712,"object":"chat.completion.chunk","model":"glm-4.6","choices":[{"index":0,"delta":""";

    public static readonly IReadOnlyList<string> OpenAiSse = BuildText();

    public static readonly IReadOnlyList<string> ToolCallChunks = BuildToolCall();

    public static byte[] SseBytes()
    {
        var text = new StringBuilder();
        foreach (var chunk in OpenAiSse)
        {
            text.Append("data: ").Append(chunk).Append("\n\n");
        }

        text.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static byte[][] Utf8(IReadOnlyList<string> chunks) => [.. chunks.Select(Encoding.UTF8.GetBytes)];

    private static List<string> BuildText()
    {
        var chunks = new List<string> { Head + """{"role":"assistant","content":""}}]}""" };
        string[] reasoning = ["The user asks", " whether to queue", " or fail fast", " when every key", " is cooling down.", " Agents retry", " by themselves,", " so a 429", " with Retry-After", " is enough."];
        foreach (var piece in reasoning)
        {
            chunks.Add(Head + $$$"""{"reasoning_content":"{{{piece}}}"}}]}""");
        }

        string[] words = ["Fail", " fast", ":", " answer", " 429", " with", " a", " `Retry-After`", " equal", " to", " the", " earliest", " recovery", " of", " any", " key", ".", "\\n\\n", "Queueing", " hides", " the", " limit", " from", " agents", " that", " already", " back", " off", ",", " and", " it", " ties", " up", " connections", " while", " they", " wait", "."];
        foreach (var word in words)
        {
            chunks.Add(Head + $$$"""{"content":"{{{word}}}"}}]}""");
        }

        chunks.Add(Head + """{"content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":287,"completion_tokens":58,"total_tokens":345,"prompt_tokens_details":{"cached_tokens":128}}}""");
        return chunks;
    }

    private static List<string> BuildToolCall()
    {
        var chunks = new List<string>
        {
            Head + """{"role":"assistant","content":""}}]}""",
            Head + """{"content":"Let me search the routing code."}}]}""",
            Head + """{"tool_calls":[{"index":0,"id":"call_bench_0001","type":"function","function":{"name":"Grep","arguments":""}}]}}]}""",
        };
        string[] fragments = ["{\\\"pattern\\\":", "\\\"IRouting", "Strategy\\\",", "\\\"path\\\":", "\\\"src/Switchboard\\\",", "\\\"output_mode\\\":", "\\\"content\\\"}"];
        foreach (var fragment in fragments)
        {
            chunks.Add(Head + $$$"""{"tool_calls":[{"index":0,"function":{"arguments":"{{{fragment}}}"}}]}}]}""");
        }

        chunks.Add(Head + """{},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":19874,"completion_tokens":41,"total_tokens":19915}}""");
        return chunks;
    }
}
