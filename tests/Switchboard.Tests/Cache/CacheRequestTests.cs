using System.Text;
using Switchboard.Cache;

namespace Switchboard.Tests.Cache;

public sealed class CacheRequestTests
{
    private static CacheRequest Parse(string body, CallType type = CallType.Chat, string group = "pool", bool stream = false, string? ns = null, string? header = null) =>
        CacheRequest.Parse(Encoding.UTF8.GetBytes(body), type, group, stream, ns, header);

    private const string Body = """{"model":"pool","messages":[{"role":"user","content":"hi"}],"temperature":0.2}""";

    [Fact]
    public void Parse_FieldsThatDoNotChangeTheAnswer_SameKey()
    {
        var key = Parse(Body).Key;

        Assert.Equal(key, Parse("""{"temperature":0.2,"user":"u1","messages":[{"role":"user","content":"hi"}],"model":"other-alias","metadata":{"a":1},"stream_options":{"include_usage":true},"cache":{"ttl":5}}""").Key);
        Assert.Matches("^[0-9a-f]{64}$", key);
    }

    [Fact]
    public void Parse_FieldsThatChangeTheAnswer_OtherKey()
    {
        var key = Parse(Body).Key;

        Assert.NotEqual(key, Parse(Body.Replace("0.2", "0.3", StringComparison.Ordinal)).Key);
        Assert.NotEqual(key, Parse(Body.Replace("\"hi\"", "\"hi!\"", StringComparison.Ordinal)).Key);
        Assert.NotEqual(key, Parse(Body[..^1] + ",\"max_tokens\":5}").Key);
        Assert.NotEqual(key, Parse(Body, group: "other").Key);
        Assert.NotEqual(key, Parse(Body, type: CallType.AnthropicMessages).Key);
        Assert.NotEqual(key, Parse(Body, stream: true).Key);
    }

    [Fact]
    public void Parse_Namespace_RequestWinsOverConfig()
    {
        var plain = Parse(Body).Key;

        Assert.Equal("team-a:" + plain, Parse(Body, ns: "team-a").Key);
        Assert.Equal("mine:" + plain, Parse(Body[..^1] + ",\"cache\":{\"namespace\":\"mine\"}}", ns: "team-a").Key);
    }

    [Fact]
    public void Parse_BodyControls_AllRead()
    {
        var r = Parse("""{"model":"pool","messages":[],"cache":{"no-cache":true,"no-store":true,"ttl":30,"s-maxage":10,"use-cache":true,"unknown":[1,{"x":2}]}}""");

        Assert.True(r.NoCache);
        Assert.True(r.NoStore);
        Assert.Equal(TimeSpan.FromSeconds(30), r.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(10), r.MaxAge);
        Assert.True(r.UseCache);
    }

    [Fact]
    public void Parse_CacheControlHeader_ReadWhenTheBodyHasNoControls()
    {
        var r = Parse(Body, header: "no-cache, no-store, max-age=15");
        Assert.True(r.NoCache);
        Assert.True(r.NoStore);
        Assert.Equal(TimeSpan.FromSeconds(15), r.MaxAge);

        var body = Parse("""{"model":"pool","messages":[],"cache":{"ttl":3}}""", header: "no-cache");
        Assert.False(body.NoCache);
        Assert.Null(Parse(Body).UseCache);
    }

    [Fact]
    public void Parse_NotAnObject_Throws() =>
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => Parse("[1,2]"));
}
