using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Switchboard.Bench;

/// <summary>
/// Request bodies of the two sizes the gateway sees: a ~1 KB chat call (the load benchmark's body) and a ~70 KB
/// Claude Code call (system blocks with cache_control, 24 tools with JSON schemas, a tool-use history, stream last).
/// Built deterministically so that allocation figures are comparable between runs.
/// </summary>
internal static class BenchBodies
{
    public static readonly byte[] Chat1K = Encoding.UTF8.GetBytes(
        """{"model":"glm-4.6","messages":[{"role":"system","content":"You are a careful senior software engineer. Answer concisely, show code only when it helps, and explain the trade-offs of every suggestion. Prefer the standard library over new dependencies."},{"role":"user","content":"Our service keeps a pool of API keys for one upstream provider and rotates between them. When a key is rate limited we get HTTP 429 with a Retry-After header. How should the pool decide which key to use next, and how long should a limited key rest before it is tried again?"},{"role":"assistant","content":"Keep a cooldown deadline per key: on 429 set it to now plus the larger of Retry-After and a configured minimum. Pick among keys whose deadline has passed, round-robin or by fewest requests in flight, so one slow key does not hold up the rest."},{"role":"user","content":"And if every key is cooling down at once? Should we queue the request until the first key recovers, or fail fast with our own 429 and a Retry-After of our own? Our clients are coding agents that retry by themselves."}],"temperature":0.2,"top_p":0.95,"max_tokens":512,"user":"bench-user-0001","stream":true}""");

    public static readonly byte[] ClaudeCode70K = BuildClaudeCode(70 * 1024);

    public static byte[] Get(string size) => size switch
    {
        "1KB" => Chat1K,
        "70KB" => ClaudeCode70K,
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "1KB or 70KB"),
    };

    private static byte[] BuildClaudeCode(int target)
    {
        var buffer = new ArrayBufferWriter<byte>(target + 4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", "claude-sonnet-4-5-20250929");
            w.WriteStartArray("messages");
            var turn = 0;
            // History first grows to what is left after system and tools; the loop below stops near the target size.
            while (buffer.WrittenCount + w.BytesPending < target - 50_500)
            {
                WriteTurn(w, turn++);
            }

            w.WriteEndArray();
            w.WriteNumber("temperature", 1);
            w.WriteStartArray("system");
            WriteTextBlock(w, "You are Claude Code, Anthropic's official CLI for Claude.", cache: false);
            WriteTextBlock(w, Repeat("You are an interactive CLI tool that helps users with software engineering tasks. ", 110), cache: true);
            w.WriteEndArray();
            w.WriteStartArray("tools");
            for (var i = 0; i < 24; i++)
            {
                WriteTool(w, i);
            }

            w.WriteEndArray();
            w.WriteStartObject("metadata");
            w.WriteString("user_id", "user_0f3c9d_account_bench_session_5e1a");
            w.WriteEndObject();
            w.WriteNumber("max_tokens", 32000);
            w.WriteStartObject("thinking");
            w.WriteString("type", "enabled");
            w.WriteNumber("budget_tokens", 31999);
            w.WriteEndObject();
            w.WriteStartObject("context_management");
            w.WriteStartArray("edits");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteBoolean("stream", true);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteTurn(Utf8JsonWriter w, int turn)
    {
        w.WriteStartObject();
        w.WriteString("role", "user");
        w.WriteStartArray("content");
        if (turn == 0)
        {
            WriteTextBlock(w, "Find where the router picks a deployment and add a least-connections strategy with tests.", cache: false);
        }
        else
        {
            w.WriteStartObject();
            w.WriteString("type", "tool_result");
            w.WriteString("tool_use_id", $"toolu_bench_{turn:D4}");
            w.WriteString("content", Repeat($"src/Switchboard/Routing/File{turn}.cs:{turn * 7}: internal sealed class Strategy{turn} {{ }}\n", 12));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject();
        w.WriteString("role", "assistant");
        w.WriteStartArray("content");
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", "Let me look at the routing code and the existing strategies before changing anything.");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("type", "tool_use");
        w.WriteString("id", $"toolu_bench_{turn + 1:D4}");
        w.WriteString("name", "Grep");
        w.WriteStartObject("input");
        w.WriteString("pattern", $"IRoutingStrategy|Pick{turn}");
        w.WriteString("path", "src/Switchboard");
        w.WriteString("output_mode", "content");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteTextBlock(Utf8JsonWriter w, string text, bool cache)
    {
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", text);
        if (cache)
        {
            w.WriteStartObject("cache_control");
            w.WriteString("type", "ephemeral");
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteTool(Utf8JsonWriter w, int i)
    {
        w.WriteStartObject();
        w.WriteString("name", i < 20 ? $"Tool{i}" : $"mcp__bench_server__a_rather_long_tool_name_from_an_mcp_server_number_{i}");
        w.WriteString("description", Repeat($"Tool {i} does one thing well and explains its parameters in detail. ", 12));
        w.WriteStartObject("input_schema");
        w.WriteString("type", "object");
        w.WriteStartObject("properties");
        for (var p = 0; p < 6; p++)
        {
            w.WriteStartObject($"param_{p}");
            w.WriteString("type", p % 2 == 0 ? "string" : "number");
            w.WriteString("description", $"Parameter {p} of tool {i}: what it means and which values are valid.");
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteStartArray("required");
        w.WriteStringValue("param_0");
        w.WriteEndArray();
        w.WriteBoolean("additionalProperties", false);
        w.WriteString("$schema", "http://json-schema.org/draft-07/schema#");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string Repeat(string text, int times) => string.Concat(Enumerable.Repeat(text, times));
}
