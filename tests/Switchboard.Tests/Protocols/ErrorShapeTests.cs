using System.Buffers;
using System.Text.Json.Nodes;
using Switchboard.Protocols.Anthropic;
using Switchboard.Protocols.OpenAi;

namespace Switchboard.Tests.Protocols;

public sealed class ErrorShapeTests
{
    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(403, "permission_error")]
    [InlineData(404, "not_found_error")]
    [InlineData(413, "request_too_large")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(502, "api_error")]
    [InlineData(529, "overloaded_error")]
    public void AnthropicErrors_TypeForStatus_MatchesAnthropic(int status, string type)
    {
        Assert.Equal(type, AnthropicErrors.TypeForStatus(status));
        Assert.Equal(status is 502 ? 500 : status, AnthropicErrors.StatusForType(type));
    }

    [Theory]
    [InlineData(503, "overloaded_error")]
    [InlineData(405, "invalid_request_error")]
    [InlineData(422, "invalid_request_error")]
    public void AnthropicErrors_TypeForStatus_GatewayStatusesMapOneWay(int status, string type) =>
        Assert.Equal(type, AnthropicErrors.TypeForStatus(status));

    [Fact]
    public void AnthropicErrors_ToBytes_AnthropicShape()
    {
        var json = JsonNode.Parse(AnthropicErrors.ToBytes(429, "slow \"down\"", "req_1"));

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"type":"error","error":{"type":"rate_limit_error","message":"slow \"down\""},"request_id":"req_1"}"""), json));
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(403, "permission_error")]
    [InlineData(404, "not_found_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "server_error")]
    [InlineData(418, "api_error")]
    public void OpenAiErrors_TypeForStatus_MatchesOpenAi(int status, string type) =>
        Assert.Equal(type, OpenAiErrors.TypeForStatus(status));

    [Fact]
    public void OpenAiErrors_Write_OpenAiShape()
    {
        var buffer = new ArrayBufferWriter<byte>();

        OpenAiErrors.Write(buffer, "bad", "invalid_request_error", "messages", "1214");

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"error":{"message":"bad","type":"invalid_request_error","param":"messages","code":"1214"}}"""),
            JsonNode.Parse(buffer.WrittenSpan)));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"error":{"message":"x","type":"rate_limit_error","param":null,"code":null}}"""),
            JsonNode.Parse(OpenAiErrors.ToBytes(429, "x"))));
    }
}
