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

/// <summary>
/// An upstream whose streams break mid-way: it sends the first events of a normal answer, flushes them, then drops
/// the connection (the mock provider has no such key). OpenAI format on /v1/chat/completions, Anthropic on /v1/messages.
/// </summary>
internal sealed class BreakingUpstream : IAsyncDisposable
{
    private const string OpenAiChunks =
        "data: {\"id\":\"chatcmpl-b\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"glm-4.6\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello \"},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"chatcmpl-b\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"glm-4.6\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"wor\"},\"finish_reason\":null}]}\n\n";

    private const string AnthropicEvents =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_b\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"glm-4.6\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":0}}}\n\n" +
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello \"}}\n\n";

    private readonly LoopbackUpstream _server;

    private BreakingUpstream(LoopbackUpstream server) => _server = server;

    public Uri BaseUrl => _server.BaseUrl;

    public static async Task<BreakingUpstream> StartAsync() => new(await LoopbackUpstream.StartAsync(app =>
    {
        app.MapPost("/v1/chat/completions", context => BreakAsync(context, OpenAiChunks));
        app.MapPost("/v1/messages", context => BreakAsync(context, AnthropicEvents));
    }));

    private static async Task BreakAsync(HttpContext context, string events)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(events));
        await context.Response.Body.FlushAsync();
        // Let the gateway relay what came before the break, so the break really is mid-stream for its client.
        await Task.Delay(100);
        context.Abort();
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
