using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Api;

namespace Switchboard.Tests.Api;

/// <summary>The gateway's own error middleware (what UseExceptionHandler + UseStatusCodePages did).</summary>
public sealed class GatewayHostTests
{
    [Fact]
    public async Task ErrorPages_UnhandledException_500InTheApisShapeWithTheCallId()
    {
        var context = Context("/v1/chat/completions");
        var callId = CallIds.Assign(context);
        context.Response.Headers["x-stale"] = "from before the failure";

        await GatewayHost.ErrorPages(context, _ => throw new InvalidOperationException("boom sk-secret"));

        Assert.Equal(500, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("x-stale"));
        Assert.Equal("no-cache,no-store", context.Response.Headers.CacheControl.ToString());
        var body = Body(context);
        Assert.DoesNotContain("boom", body, StringComparison.Ordinal);
        Assert.Equal("Internal error in Switchboard; see the gateway log for details.", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(callId, CallIds.Of(context));
    }

    [Fact]
    public async Task ErrorPages_ExceptionAfterAnAsyncWait_Still500()
    {
        var context = Context("/v1/messages");

        await GatewayHost.ErrorPages(context, async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("late");
        });

        Assert.Equal(500, context.Response.StatusCode);
        Assert.Equal("error", JsonDocument.Parse(Body(context)).RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task ErrorPages_BareNotFound_GetsTheUnknownPathError()
    {
        var context = Context("/v2/nothing");

        await GatewayHost.ErrorPages(context, c =>
        {
            c.Response.StatusCode = 404;
            return Task.CompletedTask;
        });

        Assert.Equal(404, context.Response.StatusCode);
        Assert.Contains("Unknown path", Body(context), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorPages_ErrorWithItsOwnBody_LeftAlone()
    {
        var context = Context("/v1/chat/completions");

        await GatewayHost.ErrorPages(context, c => ApiErrors.WriteAsync(c, ClientApi.OpenAi, 429, "slow down"));

        Assert.Equal(429, context.Response.StatusCode);
        Assert.DoesNotContain("HTTP 429", Body(context), StringComparison.Ordinal);
        Assert.Contains("slow down", Body(context), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorPages_ClientHungUp_499AndNothingWritten()
    {
        var context = Context("/v1/chat/completions");
        using var aborted = new CancellationTokenSource();
        await aborted.CancelAsync();
        context.RequestAborted = aborted.Token;

        await GatewayHost.ErrorPages(context, c => Task.FromException(new OperationCanceledException(c.RequestAborted)));

        Assert.Equal(499, context.Response.StatusCode);
        Assert.Equal("", Body(context));
    }

    [Fact]
    public async Task ErrorPages_ResponseAlreadyStarted_ExceptionGoesOnToTheServer()
    {
        var context = Context("/v1/chat/completions");
        context.Features.Set<IHttpResponseFeature>(new StartedResponse());

        await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayHost.ErrorPages(context, _ => Task.FromException(new InvalidOperationException("mid-stream"))));
    }

    [Fact]
    public void CallIdsOf_BeforeAssign_Null() => Assert.Null(CallIds.Of(new DefaultHttpContext()));

    [Fact]
    public void CallIdsAssign_ClientSentId_KeptAndReadBack()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[CallIds.Header] = "client-id-1";

        Assert.Equal("client-id-1", CallIds.Assign(context));
        Assert.Equal("client-id-1", CallIds.Of(context));
        Assert.Equal("client-id-1", context.Response.Headers[CallIds.Header].ToString());
    }

    private static DefaultHttpContext Context(string path)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance).BuildServiceProvider(),
        };
        context.Request.Method = "POST";
        context.Request.Path = path;
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static string Body(HttpContext context) => System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());

    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }
}
