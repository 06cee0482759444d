using System.Buffers;
using System.Text;
using Switchboard.Protocols.OpenAi;
using Switchboard.Translation;
using Switchboard.Translation.Responses;

namespace Switchboard.Tests.Translation.Responses;

/// <summary>
/// One Responses request (a function, a namespace, a long-named function, two <c>custom</c> tools: <c>tool_1</c> and
/// Codex's <c>apply_patch</c>) and the pieces the answer and stream tests share.
/// </summary>
internal static class ResponsesFixture
{
    public const string ResponseId = "resp_test";
    public const long CreatedAt = 1_700_000_000;
    public const int EstimatedInput = 10;

    public static readonly string Request = """
        {"model":"pool","input":"hi","stream":true,"tools":[
          {"type":"function","name":"exec_command","parameters":{"type":"object","properties":{"cmd":{"type":"string"}}}},
          {"type":"namespace","name":"multi_agent_v1","tools":[{"type":"function","name":"spawn_agent","parameters":{"type":"object"}}]},
          {"type":"function","name":"tool_0"},{"type":"custom","name":"tool_1"},{"type":"function","name":"LONG"},
          {"type":"custom","name":"apply_patch","description":"Edit files.","format":{"type":"grammar","syntax":"lark","definition":"start: begin_patch hunk+ end_patch"}}]}
        """.Replace("LONG", StreamRunner.LongToolName, StringComparison.Ordinal);

    public static ResponsesRequest Translated() =>
        ResponsesRequestTranslator.ToPivot(Encoding.UTF8.GetBytes(Request), [], new AnthropicToOpenAiOptions { UpstreamModel = "glm-4.6", IsGlm = true });

    /// <summary>Feeds pivot SSE bytes, cut into the given pieces, to a fresh writer as the hub does; a clean end calls OnDone.</summary>
    public static byte[] Stream(IEnumerable<byte[]> pieces, ResponsesStreamWriter? writer = null)
    {
        writer ??= new ResponsesStreamWriter(Translated(), ResponseId, CreatedAt, EstimatedInput);
        var output = new ArrayBufferWriter<byte>();
        writer.OnStart(output);
        var parser = new SseParser();
        foreach (var piece in pieces)
        {
            parser.Append(piece);
            while (parser.TryRead(out var e))
            {
                Feed(writer, e, output);
            }
        }

        while (parser.TryReadFinal(out var e))
        {
            Feed(writer, e, output);
        }

        writer.OnDone(output);
        return output.WrittenSpan.ToArray();
    }

    private static void Feed(ResponsesStreamWriter writer, SseEvent e, IBufferWriter<byte> output)
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
}
