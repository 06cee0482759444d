using Microsoft.AspNetCore.Http;

namespace Switchboard.Api;

/// <summary>The request id (<c>x-litellm-call-id</c>): a client-sent one is kept, else a new one.</summary>
internal static class CallIds
{
    public const string ItemKey = "switchboard.call-id";
    public const string Header = "x-litellm-call-id";

    public static string Assign(HttpContext context)
    {
        var sent = context.Request.Headers[Header].ToString();
        var id = sent.Length is > 0 and <= 128 ? sent : Guid.NewGuid().ToString("N");
        context.Items[ItemKey] = id;
        context.Response.Headers[Header] = id;
        return id;
    }
}
