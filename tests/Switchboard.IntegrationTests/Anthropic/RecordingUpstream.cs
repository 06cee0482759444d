using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Anthropic;

/// <summary>An upstream that keeps every request it gets (headers and body) and answers a fixed, minimal completion in the matching format.</summary>
internal sealed class RecordingUpstream : IAsyncDisposable
{
    private const string ChatCompletion =
        """{"id":"chatcmpl-r","object":"chat.completion","created":1,"model":"glm-4.6","choices":[{"index":0,"message":{"role":"assistant","content":"recorded"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}""";

    private const string Message =
        """{"id":"msg_r","type":"message","role":"assistant","model":"glm-4.6","content":[{"type":"text","text":"recorded"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}""";

    private LoopbackUpstream _server = null!;

    private RecordingUpstream()
    {
    }

    public Uri BaseUrl => _server.BaseUrl;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static async Task<RecordingUpstream> StartAsync()
    {
        var self = new RecordingUpstream();
        self._server = await LoopbackUpstream.StartAsync(app =>
        {
            app.MapPost("/v1/chat/completions", context => self.AnswerAsync(context, ChatCompletion));
            app.MapPost("/v1/messages", context => self.AnswerAsync(context, Message));
        });
        return self;
    }

    private async Task AnswerAsync(HttpContext context, string answer)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        Requests.Enqueue(new RecordedRequest(context.Request.Path + context.Request.QueryString, headers, body));
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer, context.RequestAborted);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

internal sealed record RecordedRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body);
