using Microsoft.AspNetCore.Http;

namespace Switchboard.Hosting;

/// <summary>
/// Endpoint metadata: this endpoint's handler may start on a socket engine's epoll thread (Kestrel's inline scheduling
/// with inline socket completions, architecture decision 16) because everything it does before its first real wait is
/// bounded CPU work, and it moves anything larger to the pool itself. Every other endpoint (dashboard, admin, spend,
/// config reload, metrics, stored responses, health) is moved to the thread pool by <see cref="HopUnlessInline"/> before
/// its handler runs, so that nothing it does (SQLite, building pages, reloading the config) can stall the other
/// connections that the same epoll thread serves.
/// </summary>
internal sealed class InlineEndpoint
{
    private InlineEndpoint()
    {
    }

    /// <summary>The one instance, added with <c>WithMetadata</c> to the proxy endpoints.</summary>
    public static InlineEndpoint Metadata { get; } = new();

    /// <summary>
    /// Middleware (after routing): the handler runs where it is when its endpoint carries <see cref="Metadata"/> or when it
    /// is already on a pool thread; else it continues on a pool thread. A marked endpoint pays a metadata lookup and no
    /// allocation.
    /// </summary>
    public static Task HopUnlessInline(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (Thread.CurrentThread.IsThreadPoolThread || context.GetEndpoint()?.Metadata.GetMetadata<InlineEndpoint>() is not null)
        {
            return next(context);
        }

        return HopAsync(context, next);

        static async Task HopAsync(HttpContext context, RequestDelegate next)
        {
            await ThreadPoolHop.Instance;
            await next(context);
        }
    }
}
