using System.Runtime.CompilerServices;

namespace Switchboard.Tests.Fuzz;

/// <summary>Valid inputs to mutate: the translators' golden inputs (so new golden cases widen the fuzzing) plus a few more.</summary>
internal static class FuzzSeeds
{
    public static readonly byte[][] AnthropicRequests = Load("AnthropicRequest",
        """{"model":"claude-x","max_tokens":100,"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},{"type":"text","text":"hi"}]},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},{"type":"tool_use","id":"t1","name":"Read","input":{"p":"/x"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"data"}],"is_error":false}]}],"tools":[{"name":"Read","description":"d","input_schema":{"type":"object","properties":{"p":{"type":"string"}}}}],"tool_choice":{"type":"tool","name":"Read"},"metadata":{"user_id":"u"},"stop_sequences":["x"],"temperature":0.5,"top_p":0.9,"stream":true,"thinking":{"type":"enabled","budget_tokens":1024}}""");

    public static readonly byte[][] OpenAiRequests = Load("OpenAiRequest",
        """{"model":"gpt-x","messages":[{"role":"developer","content":"d"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto","stream":true,"stream_options":{"include_usage":true},"max_tokens":10,"stop":["x"],"user":"u"}""");

    public static readonly byte[][] OpenAiStreams = Load("OpenAiStream");

    public static readonly byte[][] AnthropicStreams = Load("AnthropicStream");

    private static string GoldenRoot([CallerFilePath] string path = "") =>
        Path.Combine(Path.GetDirectoryName(path)!, "..", "Translation", "Golden");

    private static byte[][] Load(string set, params string[] extra) =>
    [
        .. Directory.GetFiles(Path.Combine(GoldenRoot(), set), "*.input.*").Order(StringComparer.Ordinal).Select(File.ReadAllBytes),
        .. extra.Select(System.Text.Encoding.UTF8.GetBytes),
    ];
}
