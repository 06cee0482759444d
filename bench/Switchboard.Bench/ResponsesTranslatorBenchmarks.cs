using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Switchboard.Translation;
using Switchboard.Translation.Responses;

namespace Switchboard.Bench;

/// <summary>
/// The Responses spoke (architecture decision 12) beside the Anthropic one, on the same inputs: one request translated to
/// the pivot per call (a recorded Codex request; a Claude Code sized Anthropic body), one answer, one whole stream.
/// </summary>
[MemoryDiagnoser]
public class ResponsesTranslatorBenchmarks
{
    private const string Completion = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1764092712,"model":"glm-4.6","choices":[{"index":0,"finish_reason":"tool_calls",
         "message":{"role":"assistant","content":"I will list the files first.","reasoning_content":"The user wants an overview; a listing is the cheapest first step.",
         "tool_calls":[{"id":"call_1","type":"function","function":{"name":"exec_command","arguments":"{\"cmd\":\"ls -la\",\"workdir\":\"/home/user/project\"}"}}]}}],
         "usage":{"prompt_tokens":9120,"completion_tokens":48,"prompt_tokens_details":{"cached_tokens":8704}}}
        """;

    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly AnthropicToOpenAiOptions _glm = new() { UpstreamModel = "glm-4.6", IsGlm = true };
    private byte[] _codexRequest = [];
    private byte[] _completion = [];
    private byte[][] _text = [];
    private byte[][] _toolCall = [];
    private ResponsesRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _codexRequest = File.ReadAllBytes(Path.Combine(RepoRoot(), "tests", "Switchboard.Tests", "Translation", "Golden", "ResponsesRequest", "recorded", "codex-0.169.0-first.json"));
        _completion = Encoding.UTF8.GetBytes(Completion);
        _text = RecordedStream.Utf8(RecordedStream.OpenAiSse);
        _toolCall = RecordedStream.Utf8(RecordedStream.ToolCallChunks);
        _request = ResponsesRequestTranslator.ToPivot(_codexRequest, [], _glm);
    }

    /// <summary>A recorded Codex 0.169.0 request (43 KB: two developer messages, 12 functions, a namespace, web_search) to the GLM pivot.</summary>
    [Benchmark]
    public int Request_Responses_Codex43K() => ResponsesRequestTranslator.ToPivot(_codexRequest, [], _glm).Body.Length;

    /// <summary>A Claude Code sized Anthropic body (70 KB) to the GLM pivot: the Anthropic spoke's figure for comparison.</summary>
    [Benchmark]
    public int Request_Anthropic_ClaudeCode70K() => AnthropicRequestTranslator.ToOpenAi(BenchBodies.ClaudeCode70K, _glm).Body.Length;

    [Benchmark]
    public int Answer_Responses() => ResponsesAnswerTranslator.ToResponse(_completion, _request, "resp_bench", 1_764_092_712, 100, out _).Length;

    [Benchmark]
    public int Answer_Anthropic() => OpenAiResponseTranslator.ToAnthropic(_completion, "claude-sonnet-4-5", ToolNameMap.Empty, 100).Length;

    /// <summary>50 chunks: reasoning, text, finish and usage (divide by 50 for a chunk).</summary>
    [Benchmark]
    public int Stream_Responses_Text50() => Stream(_text);

    /// <summary>11 chunks: text, then one tool call whose arguments arrive in fragments.</summary>
    [Benchmark]
    public int Stream_Responses_ToolCall11() => Stream(_toolCall);

    private int Stream(byte[][] chunks)
    {
        _output.ResetWrittenCount();
        var writer = new ResponsesStreamWriter(_request, "resp_bench", 1_764_092_712, 287);
        writer.OnStart(_output);
        foreach (var chunk in chunks)
        {
            writer.OnChunk(chunk, _output);
        }

        writer.OnDone(_output);
        return _output.WrittenCount;
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Switchboard.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Switchboard.sln not found above " + AppContext.BaseDirectory);
    }
}
