using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Switchboard.Config;

namespace Switchboard.Upstream;

/// <summary>
/// The built-in <c>mock/</c> provider: answers in-process in the OpenAI format, deterministically, naming the
/// deployment, with configurable latency and streaming. Lets the demo and many tests run without any server.
/// </summary>
internal sealed class MockUpstreamAdapter(TimeProvider time) : IUpstreamAdapter
{
    public async Task<UpstreamResponse> SendAsync(DeploymentConfig deployment, UpstreamRequest request, CancellationToken ct)
    {
        var info = MockRequestInfo.Parse(request.Body.Span);

        // Streams start at once and wait before their first chunk, as real providers do while the model thinks.
        if (deployment.Mock.Latency > TimeSpan.Zero && !info.Stream)
        {
            await Task.Delay(deployment.Mock.Latency, time, ct);
        }

        if (info.Error is not null)
        {
            var error = Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"" + info.Error + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
            return new UpstreamResponse(400, new MemoryStream(error));
        }

        var text = deployment.Mock.Response ?? $"Hello from mock deployment {deployment.Id} ({deployment.UpstreamModel}).";
        if (request.Path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            return Json(MockAnswers.Embeddings(info, deployment.UpstreamModel));
        }

        var legacy = request.Path.EndsWith("/completions", StringComparison.Ordinal) && !request.Path.EndsWith("/chat/completions", StringComparison.Ordinal);
        if (!info.Stream)
        {
            return Json(legacy ? MockAnswers.Completion(info, deployment.UpstreamModel, text) : MockAnswers.ChatCompletion(info, deployment.UpstreamModel, text));
        }

        var pipe = new Pipe();
        var chunks = Math.Max(1, deployment.Mock.Chunks);
        _ = WriteStreamAsync(pipe.Writer, info, deployment, text, chunks, legacy, ct);
        return new UpstreamResponse(200, pipe.Reader.AsStream(), EventStreamHeaders);
    }

    private static readonly Dictionary<string, string> EventStreamHeaders = new() { ["Content-Type"] = "text/event-stream" };

    private static UpstreamResponse Json(byte[] body) => new(200, new MemoryStream(body));

    private async Task WriteStreamAsync(PipeWriter writer, MockRequestInfo info, DeploymentConfig deployment, string text, int chunks, bool legacy, CancellationToken ct)
    {
        try
        {
            if (deployment.Mock.Latency > TimeSpan.Zero)
            {
                await Task.Delay(deployment.Mock.Latency, time, ct);
            }

            var pieces = MockAnswers.Split(text, chunks);
            var id = "chatcmpl-mock" + info.Hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < pieces.Count; i++)
            {
                if (i > 0 && deployment.Mock.ChunkDelay > TimeSpan.Zero)
                {
                    await Task.Delay(deployment.Mock.ChunkDelay, time, ct);
                }

                MockAnswers.WriteChunk(writer, id, deployment.UpstreamModel, pieces[i], first: i == 0, finish: null, legacy);
                var flush = await writer.FlushAsync(ct);
                if (flush.IsCompleted)
                {
                    return;
                }
            }

            MockAnswers.WriteChunk(writer, id, deployment.UpstreamModel, null, first: false, finish: "stop", legacy);
            if (info.IncludeUsage)
            {
                MockAnswers.WriteUsageChunk(writer, id, deployment.UpstreamModel, info.PromptTokens, pieces.Count, legacy);
            }

            writer.Write("data: [DONE]\n\n"u8);
            await writer.FlushAsync(ct);
            await writer.CompleteAsync();
        }
        catch (Exception ex)
        {
            await writer.CompleteAsync(ex is OperationCanceledException ? null : ex);
        }
    }
}

/// <summary>What the mock needs from a request: read once with <see cref="Utf8JsonReader"/>.</summary>
internal readonly record struct MockRequestInfo(bool Stream, bool IncludeUsage, int PromptTokens, int InputCount, uint Hash, string? Error)
{
    public static MockRequestInfo Parse(ReadOnlySpan<byte> body)
    {
        var stream = false;
        var includeUsage = false;
        var chars = 0;
        var inputs = 0;
        uint hash = 2166136261;
        foreach (var b in body)
        {
            hash = (hash ^ b) * 16777619;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            var depth = 0;
            string? property = null;
            var inInput = false;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        depth++;
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        depth--;
                        if (depth == 1)
                        {
                            inInput = false;
                        }

                        break;
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        if (depth == 1)
                        {
                            inInput = property == "input";
                        }

                        break;
                    case JsonTokenType.True when property == "stream" && depth == 1:
                        stream = true;
                        break;
                    case JsonTokenType.True when property == "include_usage":
                        includeUsage = true;
                        break;
                    case JsonTokenType.String when property is "content" or "text" or "prompt" or "input":
                        chars += reader.ValueSpan.Length;
                        if (inInput || (depth == 1 && property == "input"))
                        {
                            inputs++;
                        }

                        break;
                    default:
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return new MockRequestInfo(false, false, 0, 0, hash, "mock provider: malformed JSON body");
        }

        return new MockRequestInfo(stream, includeUsage, (chars / 4) + 1, Math.Max(1, inputs), hash, null);
    }
}
