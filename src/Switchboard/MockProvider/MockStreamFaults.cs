using System.Text;
using Microsoft.AspNetCore.Http;

namespace Switchboard.MockProvider;

/// <summary>
/// Streams in shapes real upstreams send and the mock's own writers do not: a failure reported in an error event after
/// which the stream goes on, and a Python server's JSON spacing and line ends. Fixed texts, the same for every request.
/// </summary>
internal static class MockStreamFaults
{
    private const string OpenAiErrorThenDone =
        "data: {\"id\":\"chatcmpl-mock-err\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"mock\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n"
        + "data: {\"error\": {\"message\": \"High concurrency usage of this API, please reduce concurrency\", \"code\": \"1302\"}}\n\n"
        + "data: [DONE]\n\n";

    private const string AnthropicErrorThenStop =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_mock_err\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"mock\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
        + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" after the error\"}}\n\n"
        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":4}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    private const string OpenAiPythonStyle =
        "data: {\"id\": \"chatcmpl-mock-py\", \"object\": \"chat.completion.chunk\", \"created\": 0, \"model\": \"mock\", \"choices\": [{\"index\": 0, \"delta\": {\"role\": \"assistant\", \"content\": \"Hello\"}, \"finish_reason\": null}]}\r\r"
        + "data: {\"id\": \"chatcmpl-mock-py\", \"object\": \"chat.completion.chunk\", \"created\": 0, \"model\": \"mock\", \"choices\": [{\"index\": 0, \"delta\": {\"content\": \" there\"}, \"finish_reason\": \"stop\"}]}\r\r"
        + "data: {\"id\": \"chatcmpl-mock-py\", \"object\": \"chat.completion.chunk\", \"created\": 0, \"model\": \"mock\", \"choices\": [], \"usage\": {\"prompt_tokens\": 5, \"completion_tokens\": 2, \"total_tokens\": 7}}\r\r"
        + "data: [DONE]\r\r";

    private const string AnthropicPythonStyle =
        "event: message_start\rdata: {\"type\": \"message_start\", \"message\": {\"id\": \"msg_mock_py\", \"type\": \"message\", \"role\": \"assistant\", \"model\": \"mock\", \"content\": [], \"stop_reason\": null, \"usage\": {\"input_tokens\": 5, \"output_tokens\": 1}}}\r\r"
        + "event: content_block_start\rdata: {\"type\": \"content_block_start\", \"index\": 0, \"content_block\": {\"type\": \"text\", \"text\": \"\"}}\r\r"
        + "event: content_block_delta\rdata: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"text_delta\", \"text\": \"Hello there\"}}\r\r"
        + "event: content_block_stop\rdata: {\"type\": \"content_block_stop\", \"index\": 0}\r\r"
        + "event: message_delta\rdata: {\"type\": \"message_delta\", \"delta\": {\"stop_reason\": \"end_turn\"}, \"usage\": {\"output_tokens\": 2}}\r\r"
        + "event: message_stop\rdata: {\"type\": \"message_stop\"}\r\r";

    /// <summary><c>errdone-*</c>: a start, an error event, and then the stream's normal end all the same.</summary>
    public static Task ErrorThenEndAsync(HttpResponse response, bool anthropic, CancellationToken ct) =>
        WriteAsync(response, anthropic ? AnthropicErrorThenStop : OpenAiErrorThenDone, ct);

    /// <summary><c>pyjson-*</c>: a normal short stream with <c>json.dumps</c> spacing and bare CR line ends.</summary>
    public static Task PythonStyleAsync(HttpResponse response, bool anthropic, CancellationToken ct) =>
        WriteAsync(response, anthropic ? AnthropicPythonStyle : OpenAiPythonStyle, ct);

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
        await response.Body.FlushAsync(ct);
    }
}
