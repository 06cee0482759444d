using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Switchboard.Config;
using Switchboard.MockProvider;

namespace Switchboard.Upstream;

/// <summary>
/// The built-in <c>mock/</c> provider: answers in-process in the OpenAI format with the mock provider server's own
/// answers (text naming the deployment, tool calls on <c>mock-tool:</c> directives, reasoning when thinking is on,
/// exact usage), with configurable latency and streaming. Lets the demo and many tests run without any server.
/// </summary>
internal sealed class MockUpstreamAdapter(TimeProvider time) : IUpstreamAdapter
{
    private static readonly Dictionary<string, string> EventStreamHeaders = new() { ["Content-Type"] = "text/event-stream" };
    private long _ids;

    public async ValueTask<UpstreamResponse> SendAsync(DeploymentConfig deployment, UpstreamRequest request, CancellationToken ct)
    {
        var body = new ReadOnlySequence<byte>(request.Body);
        var embeddings = request.Path.EndsWith("/embeddings", StringComparison.Ordinal);
        var legacy = request.Path == "/completions";
        var parsed = embeddings ? MockRequestParser.ParseEmbeddings(body) : MockRequestParser.ParseOpenAi(body);
        if (parsed is null)
        {
            return new UpstreamResponse(400, new MemoryStream(OpenAiWriter.BadJson));
        }

        var settings = deployment.Mock;
        var id = (legacy ? "cmpl-mock-" : "chatcmpl-mock-") + Interlocked.Increment(ref _ids).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        if (embeddings)
        {
            return Json(w => OpenAiWriter.WriteEmbeddings(w, parsed));
        }

        var answer = MockAnswer.For(parsed, deployment.Id, Math.Max(1, settings.Chunks), settings.Response);
        if (!parsed.Stream)
        {
            if (settings.Latency > TimeSpan.Zero)
            {
                await Task.Delay(settings.Latency, time, ct);
            }

            return legacy
                ? Json(w => OpenAiWriter.WriteTextCompletion(w, answer, parsed.Model, id, created))
                : Json(w => OpenAiWriter.WriteChatCompletion(w, answer, parsed.Model, id, created));
        }

        // Streams start at once and wait before their first chunk, as real providers do while the model thinks.
        var pipe = new Pipe();
        _ = WriteStreamAsync(pipe.Writer, answer, parsed, id, created, legacy, settings, ct);
        return new UpstreamResponse(200, pipe.Reader.AsStream(), EventStreamHeaders);
    }

    private async Task WriteStreamAsync(PipeWriter writer, MockAnswer answer, MockRequest request, string id, long created, bool legacy, MockParams settings, CancellationToken ct)
    {
        try
        {
            if (settings.Latency > TimeSpan.Zero)
            {
                await Task.Delay(settings.Latency, time, ct);
            }

            await (legacy
                ? MockStreams.CompletionsAsync(writer, answer, request.Model, id, created, settings.ChunkDelay, time, ct)
                : MockStreams.ChatAsync(writer, answer, request, id, created, settings.ChunkDelay, time, MockKeyKind.Ok, ct));
            await writer.CompleteAsync();
        }
        catch (Exception ex)
        {
            await writer.CompleteAsync(ex is OperationCanceledException ? null : ex);
        }
    }

    private static UpstreamResponse Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return new UpstreamResponse(200, new MemoryStream(buffer.WrittenSpan.ToArray()));
    }
}
