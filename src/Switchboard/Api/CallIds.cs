using Microsoft.AspNetCore.Http;

namespace Switchboard.Api;

/// <summary>The request id (<c>x-litellm-call-id</c>): a client-sent one is kept, else a new one.</summary>
internal static class CallIds
{
    public const string Header = "x-litellm-call-id";

    public static string Assign(HttpContext context)
    {
        var sent = context.Request.Headers[Header].ToString();
        var id = sent.Length is > 0 and <= 128 ? sent : NewId();
        // A feature, not HttpContext.Items: Items is a dictionary made per request (~200 B per call, docs/benchmarks.md).
        context.Features.Set(new CallIdFeature(id));
        context.Response.Headers[Header] = id;
        return id;
    }

    /// <summary>
    /// A new id in the form LiteLLM gives (a version-4 UUID as 32 hex digits), from the thread's own generator:
    /// <see cref="Guid.NewGuid"/> reads 16 bytes from <c>/dev/urandom</c> with a system call per call on Linux, one of the
    /// ~12 a proxied call makes (docs/benchmarks.md, "Where one call's time goes at one connection"). The id is not a
    /// secret (it is sent back in a header and logged); it only has to be unique, and 122 random bits from
    /// <see cref="Random.Shared"/> (xoshiro256**, seeded from the OS once per thread) are, for any number of calls a
    /// store will ever hold.
    /// </summary>
    internal static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 (Guid's byte order: the high byte of its third field)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes).ToString("N");
    }

    /// <summary>The call id <see cref="Assign"/> gave this request, or null before it ran.</summary>
    public static string? Of(HttpContext context) => context.Features.Get<CallIdFeature>()?.Id;

    private sealed class CallIdFeature(string id)
    {
        public string Id { get; } = id;
    }
}
