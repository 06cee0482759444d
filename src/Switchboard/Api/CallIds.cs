using Microsoft.AspNetCore.Http;

namespace Switchboard.Api;

/// <summary>The request id (<c>x-litellm-call-id</c>): a client-sent one is kept, else a new one.</summary>
internal static class CallIds
{
    public const string Header = "x-litellm-call-id";

    public static string Assign(HttpContext context)
    {
        var sent = context.Request.Headers[Header].ToString();
        var id = sent.Length is > 0 and <= 128 ? sent : Guid.NewGuid().ToString("N");
        // A feature, not HttpContext.Items: Items is a dictionary made per request (~200 B per call, docs/benchmarks.md).
        context.Features.Set(new CallIdFeature(id));
        context.Response.Headers[Header] = id;
        return id;
    }

    /// <summary>The call id <see cref="Assign"/> gave this request, or null before it ran.</summary>
    public static string? Of(HttpContext context) => context.Features.Get<CallIdFeature>()?.Id;

    private sealed class CallIdFeature(string id)
    {
        public string Id { get; } = id;
    }
}
