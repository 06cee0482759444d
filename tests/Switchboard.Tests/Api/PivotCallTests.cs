using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Switchboard.Api;
using Switchboard.Config;
using Switchboard.Protocols;
using Switchboard.Routing;
using Switchboard.Translation;
using Switchboard.Upstream;
using static Switchboard.Tests.Api.CallTestData;

namespace Switchboard.Tests.Api;

/// <summary>
/// The hub with a recording spoke: whatever the upstream speaks, the spoke sees the same pivot chunks, one at a time, and
/// a cut stream ends with the spoke's error signal and a failure, never with a clean end.
/// </summary>
public sealed class PivotCallTests
{
    private const string PivotBody = """{"model":"up-model","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}""";

    [Fact]
    public void BuildRequest_OpenAiDeployment_SendsThePivotAsIs()
    {
        var call = new RecordingSpoke(stream: true);

        var request = call.BuildRequest(DeploymentOf("openai"));

        Assert.Equal("/chat/completions", request.Path);
        Assert.Equal(PivotBody, Encoding.UTF8.GetString(request.Body.Span));
    }

    [Fact]
    public void BuildRequest_AnthropicDeployment_ComposesWithThePivotToAnthropicPair()
    {
        var call = new RecordingSpoke(stream: true);

        var request = call.BuildRequest(DeploymentOf("anthropic"));

        Assert.Equal("/v1/messages", request.Path);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("up-model", body.RootElement.GetProperty("model").GetString());
        Assert.Equal(4096, body.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal("user", body.RootElement.GetProperty("messages")[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task RelayAsync_OpenAiStreamInOneByteReads_EveryChunkThenDone()
    {
        var sse = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"
            + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n"
            + "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\n"
            + "data: [DONE]\n\n";
        var (log, result) = await RelayAsync("openai", sse);

        Assert.Equal(["start", "chunk:Hel", "chunk:lo", "chunk:finish:stop", "chunk:usage", "done"], log);
        Assert.True(result.Completed);
        Assert.Equal(3, result.Usage!.Value.InputTokens);
    }

    [Fact]
    public async Task RelayAsync_AnthropicStream_BecomesPivotChunksWithUsage()
    {
        var sse = """
            event: message_start
            data: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"up-model","content":[],"usage":{"input_tokens":7,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}}

            event: message_stop
            data: {"type":"message_stop"}

            """.ReplaceLineEndings("\n");
        var (log, result) = await RelayAsync("anthropic", sse);

        Assert.Equal("start", log[0]);
        Assert.Contains("chunk:Hi", log);
        Assert.Contains("chunk:finish:stop", log);
        Assert.Contains("chunk:usage", log);
        Assert.Equal("done", log[^1]);
        Assert.Equal(7, result.Usage!.Value.InputTokens);
        Assert.Equal(4, result.Usage!.Value.OutputTokens);
    }

    [Theory]
    [InlineData("openai", "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n")]
    [InlineData("anthropic", "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"content\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")]
    public async Task RelayAsync_StreamCutBeforeItsEnd_ErrorSignalThenFailure(string provider, string sse)
    {
        var spoke = new RecordingSpoke(stream: true);
        var (context, call) = NewCall();

        await Assert.ThrowsAsync<IOException>(() => spoke.RelayAsync(context, DeploymentOf(provider), Upstream(sse), call, CancellationToken.None).AsTask());

        Assert.StartsWith("error:", spoke.Log[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("done", spoke.Log);
    }

    [Fact]
    public async Task RelayAsync_UpstreamErrorChunk_GoesToTheSpokeAsAnError()
    {
        var sse = "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n";
        var spoke = new RecordingSpoke(stream: true);
        var (context, call) = NewCall();

        var result = await spoke.RelayAsync(context, DeploymentOf("openai"), Upstream(sse), call, CancellationToken.None);

        Assert.Equal(["start", "error:server_error:overloaded"], spoke.Log);
        Assert.False(result.Completed);
    }

    [Fact]
    public async Task RelayAsync_NonStreamAnthropicAnswer_SpokeGetsAChatCompletion()
    {
        var answer = """{"id":"m","type":"message","role":"assistant","model":"up-model","content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":2}}""";
        var spoke = new RecordingSpoke(stream: false);
        var (context, call) = NewCall();

        var result = await spoke.RelayAsync(context, DeploymentOf("anthropic"), Upstream(answer), call, CancellationToken.None);

        using var pivot = JsonDocument.Parse(spoke.Answered!);
        Assert.Equal("chat.completion", pivot.RootElement.GetProperty("object").GetString());
        Assert.Equal("Hello", pivot.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(5, result.Usage!.Value.InputTokens);
    }

    [Fact]
    public async Task RelayAsync_StreamFirstChunkAlreadyThere_HeadersStartAndFirstChunkInOneFlush()
    {
        // The upstream sent its first chunk with its headers (and here the rest too): the client's headers (written, not
        // flushed), the spoke's opening events and what the chunks produce leave in one send (Responses, Gemini:
        // docs/benchmarks.md).
        string[] chunks = ["data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"];
        var upstream = new SseRelayTests.PieceStream(Encoding.UTF8.GetBytes(string.Concat(chunks)), chunks.Select(c => c.Length).ToArray());
        var (context, client) = SseRelayTests.NewRecordedResponse();
        context.Response.BodyWriter.Write("headers\n"u8); // stands in for the headers Kestrel writes into the same pipe
        var call = new CallState { CallId = "t1", RequestedModel = "group", StartTimestamp = TimeProvider.System.GetTimestamp() };
        var spoke = new RecordingSpoke(stream: true);

        var result = await spoke.RelayAsync(context, DeploymentOf("openai"), new UpstreamResponse(200, upstream), call, CancellationToken.None);

        Assert.True(result.Completed);
        Assert.Equal(["headers\nstart\nchunk:Hel\nchunk:finish:stop\ndone\n"], client.Flushed);
    }

    [Fact]
    public async Task RelayAsync_StreamFirstChunkNotThereYet_HeadersAndStartFlushedBeforeWaiting()
    {
        // An upstream that thinks before its first token: the client sees the answer start (headers and the spoke's
        // opening events) before the relay waits, and the output after it as it comes (what is there at once leaves
        // together).
        var first = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var upstream = new SseRelayTests.LateStream(first.Task,
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"u8.ToArray());
        var (context, client) = SseRelayTests.NewRecordedResponse();
        context.Response.BodyWriter.Write("headers\n"u8); // stands in for the headers Kestrel writes into the same pipe
        var call = new CallState { CallId = "t1", RequestedModel = "group", StartTimestamp = TimeProvider.System.GetTimestamp() };
        var spoke = new RecordingSpoke(stream: true);

        var relay = spoke.RelayAsync(context, DeploymentOf("openai"), new UpstreamResponse(200, upstream), call, CancellationToken.None).AsTask();
        await upstream.Waiting.WaitAsync(TimeSpan.FromSeconds(30));
        for (var deadline = DateTime.UtcNow.AddSeconds(30); client.FlushCount == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(10);
        }

        Assert.Equal(["headers\nstart\n"], client.Flushed);
        first.SetResult("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"u8.ToArray());
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.Completed);
        Assert.Equal(["headers\nstart\n", "chunk:Hel\nchunk:finish:stop\ndone\n"], client.Flushed);
    }

    private static async Task<(List<string> Log, RelayResult Result)> RelayAsync(string provider, string sse)
    {
        var spoke = new RecordingSpoke(stream: true);
        var (context, call) = NewCall();
        var result = await spoke.RelayAsync(context, DeploymentOf(provider), Upstream(sse), call, CancellationToken.None);
        return (spoke.Log, result);
    }

    private static (HttpContext Context, CallState Call) NewCall()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        var call = new CallState { CallId = "t1", RequestedModel = "group", StartTimestamp = TimeProvider.System.GetTimestamp() };
        return (context, call);
    }

    private static UpstreamResponse Upstream(string body) => new(200, new OneByteStream(Encoding.UTF8.GetBytes(body)));

    /// <summary>A spoke that logs what the hub hands it, in a form the assertions can read.</summary>
    private sealed class RecordingSpoke(bool stream) : PivotCall("group", stream, TimeProvider.System)
    {
        public List<string> Log { get; } = [];

        public string? Answered { get; private set; }

        public override ClientApi Api => ClientApi.OpenAi;

        protected override byte[] ToPivot(DeploymentConfig deployment) => Encoding.UTF8.GetBytes(PivotBody);

        protected override byte[] FromPivot(ReadOnlySpan<byte> chatCompletion, CallState call)
        {
            Answered = Encoding.UTF8.GetString(chatCompletion);
            return [.. chatCompletion];
        }

        protected override IPivotStreamWriter NewStreamWriter(CallState call) => new Writer(Log);
    }

    private sealed class Writer(List<string> log) : IPivotStreamWriter
    {
        public bool Finished { get; private set; }

        public TokenUsage? Usage { get; private set; }

        public void OnStart(IBufferWriter<byte> output) => Add("start", output);

        public void OnChunk(ReadOnlySpan<byte> chunkJson, IBufferWriter<byte> output)
        {
            using var chunk = JsonDocument.Parse(chunkJson.ToArray());
            if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                Usage = new TokenUsage(usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(), 0, Estimated: false);
                Add("chunk:usage", output);
                return;
            }

            var choice = chunk.RootElement.GetProperty("choices")[0];
            if (choice.GetProperty("delta").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
            {
                Add("chunk:" + text, output);
            }

            if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
            {
                Add("chunk:finish:" + finish.GetString(), output);
            }
        }

        public void OnDone(IBufferWriter<byte> output)
        {
            Add("done", output);
            Finished = true;
        }

        public void OnError(string type, string message, IBufferWriter<byte> output)
        {
            Add($"error:{type}:{message}", output);
            Finished = true;
        }

        /// <summary>Logs <paramref name="line"/> and writes it to the client, one line each.</summary>
        private void Add(string line, IBufferWriter<byte> output)
        {
            log.Add(line);
            output.Write(Encoding.UTF8.GetBytes(line + "\n"));
        }
    }

    /// <summary>Hands out one byte per read: every event is split at every place.</summary>
    private sealed class OneByteStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1)], cancellationToken);
    }
}
