using System.Text;
using System.Text.Json;
using Switchboard.Api;

namespace Switchboard.Tests.Api;

public sealed class RoutingFieldsTests
{
    [Theory]
    [InlineData("""{"a":"\ud800"}""", 6)]
    [InlineData("""{"a":"\udc00"}""", 6)]
    [InlineData("""{"a":"x\uD83D\u0041"}""", 7)]
    [InlineData("""{"a":"\ud83d\ude00\udfff"}""", 18)]
    [InlineData("""{"a":"\ud83d"}""", 6)]
    public void FindLoneSurrogateEscape_Lone_ReturnsOffset(string json, int offset) =>
        Assert.Equal(offset, Switchboard.Protocols.JsonUnicode.FindLoneSurrogateEscape(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{"a":"\ud83d\ude00"}""")]
    [InlineData("""{"a":"\\ud800"}""")]
    [InlineData("""{"a":"\\\\\ud83d\ude00 \n \" \u0041"}""")]
    [InlineData("""{"a":"plain"}""")]
    [InlineData("""{"a":"\u12"}""")]
    public void FindLoneSurrogateEscape_PairedOrNotAnEscape_MinusOne(string json) =>
        Assert.Equal(-1, Switchboard.Protocols.JsonUnicode.FindLoneSurrogateEscape(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xff, (byte)'"', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', 0xed, 0xa0, 0x80, (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    public void Parse_InvalidUtf8_ThrowsJsonException(byte[] body) =>
        Assert.ThrowsAny<JsonException>(() => RoutingFields.Parse(body));

    [Fact]
    public void Parse_DeeperThanMaxDepth_ThrowsJsonException()
    {
        var ok = "{\"x\":" + new string('[', RoutingFields.MaxDepth - 1) + new string(']', RoutingFields.MaxDepth - 1) + "}";
        var deep = "{\"x\":" + new string('[', RoutingFields.MaxDepth) + new string(']', RoutingFields.MaxDepth) + "}";

        RoutingFields.Parse(Encoding.UTF8.GetBytes(ok));
        Assert.ThrowsAny<JsonException>(() => RoutingFields.Parse(Encoding.UTF8.GetBytes(deep)));
    }

    [Theory]
    [InlineData("""{"model":"m"}""", "Absent", 0)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[]}]}""", "Valid", 0)]
    [InlineData("""{"messages":"hello"}""", "NotArray", 0)]
    [InlineData("""{"messages":null}""", "NotArray", 0)]
    [InlineData("""{"messages":[]}""", "Empty", 0)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"},"x"]}""", "NotObject", 1)]
    [InlineData("""{"messages":[{"content":"hi"}]}""", "RoleMissing", 0)]
    [InlineData("""{"messages":[{"role":"user","content":"a"},{"role":["user"],"content":"hi"}]}""", "RoleNotString", 1)]
    [InlineData("""{"messages":[{"role":"robot","content":"hi"}]}""", "RoleUnknown", 0)]
    [InlineData("""{"messages":[{"role":"us\u0065r","content":"hi"}]}""", "Valid", 0)]
    [InlineData("""{"messages":[{"role":"tool","content":{"a":1}}]}""", "ContentWrongType", 0)]
    [InlineData("""{"messages":[{"role":"tool","content":1},{"role":7}]}""", "ContentWrongType", 0)]
    public void Parse_Messages_ReportsFirstProblem(string json, string shape, int index)
    {
        var fields = RoutingFields.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(shape, fields.Messages.ToString());
        Assert.Equal(index, fields.MessageIndex);
    }

    [Theory]
    [InlineData("""{"stream":"yes"}""", "stream")]
    [InlineData("""{"stream":null,"tools":{}}""", "tools")]
    [InlineData("""{"stream_options":true}""", "stream_options")]
    [InlineData("""{"max_tokens":"10","temperature":"x"}""", "max_tokens")]
    [InlineData("""{"top_p":[1]}""", "top_p")]
    [InlineData("""{"stream":true,"tools":null,"max_tokens":null,"temperature":0.5}""", null)]
    public void Parse_TopLevelTypes_ReportsFirstWrongField(string json, string? field) =>
        Assert.Equal(field, RoutingFields.Parse(Encoding.UTF8.GetBytes(json)).WrongTypeField);

    [Fact]
    public void Parse_ModelAfterMessages_RewriteStillSwapsIt()
    {
        var body = Encoding.UTF8.GetBytes("""{"messages":[{"role":"user","content":"hi"}],"model":"a","stream":true}""");

        var fields = RoutingFields.Parse(body);

        Assert.Equal(MessagesShape.Valid, fields.Messages);
        Assert.Equal("""{"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}],"model":"glm","stream":true}""",
            Encoding.UTF8.GetString(fields.Rewrite(body, "glm", addStreamUsage: true)));
    }

    [Theory]
    [InlineData("""{"model":"glm-4.6","messages":[]}""", "glm-4.6", false, true)]
    [InlineData("""{"model":"glm-4.6","stream":true,"messages":[]}""", "glm-4.6", true, false)]
    [InlineData("""{"model":"glm-4.6","stream":true,"stream_options":{"include_usage":true}}""", "glm-4.6", true, true)]
    [InlineData("""{"model":"glm-4.6","stream":false}""", "glm-4.6", true, true)]
    [InlineData("""{"model":"glm-4.5","messages":[]}""", "glm-4.6", false, false)]
    [InlineData("""{"model":"glm","messages":[]}""", "glm-4.6", false, false)]
    [InlineData("""{"model":"a\u0062c"}""", "abc", false, false)]
    [InlineData("""{"model":"a+b"}""", "a+b", false, false)]
    [InlineData("""{"model":"é"}""", "é", false, false)]
    public void KeepsBody_AgreesWithRewrite(string json, string upstream, bool addStreamUsage, bool keeps)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var fields = RoutingFields.Parse(body);

        Assert.Equal(keeps, fields.KeepsBody(body, upstream, addStreamUsage));
        if (keeps)
        {
            // Kept means byte for byte what the rewrite would have sent.
            Assert.Equal(json, Encoding.UTF8.GetString(fields.Rewrite(body, upstream, addStreamUsage)));
        }
    }
}
