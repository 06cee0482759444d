using Microsoft.AspNetCore.Http;
using Switchboard.Hosting;

namespace Switchboard.Tests.Hosting;

/// <summary>Which handlers may start on a socket engine's thread (architecture decision 16); a dedicated thread stands in for it.</summary>
public sealed class InlineEndpointTests
{
    [Fact]
    public async Task HopUnlessInline_MarkedEndpointOnADedicatedThread_RunsWhereItIs()
    {
        var onPool = await RunOnDedicatedThreadAsync(new Endpoint(null, new EndpointMetadataCollection(InlineEndpoint.Metadata), "proxy"));

        Assert.False(onPool);
    }

    [Fact]
    public async Task HopUnlessInline_UnmarkedEndpointOnADedicatedThread_RunsOnThePool()
    {
        var onPool = await RunOnDedicatedThreadAsync(new Endpoint(null, new EndpointMetadataCollection(), "admin"));

        Assert.True(onPool);
    }

    [Fact]
    public async Task HopUnlessInline_NoEndpointOnADedicatedThread_RunsOnThePool()
    {
        var onPool = await RunOnDedicatedThreadAsync(endpoint: null);

        Assert.True(onPool);
    }

    private static async Task<bool> RunOnDedicatedThreadAsync(Endpoint? endpoint)
    {
        var ran = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new DefaultHttpContext();
        context.SetEndpoint(endpoint);
        var thread = new Thread(() => _ = InlineEndpoint.HopUnlessInline(context, _ =>
        {
            ran.SetResult(Thread.CurrentThread.IsThreadPoolThread);
            return Task.CompletedTask;
        }))
        { IsBackground = true };
        thread.Start();
        return await ran.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
