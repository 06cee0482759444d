using System.Text;
using Switchboard.Api;

namespace Switchboard.Tests.Api;

public sealed class ResponsesNativeRelayTests
{
    [Theory]
    [InlineData("""{"type":"response.output_text.delta","delta":"hi","sequence_number":12}""", 12)]
    [InlineData("""{"type": "response.created", "sequence_number" : 0 }""", 0)]
    [InlineData("""{"sequence_number":3,"delta":"\"sequence_number\":99"}""", 3)]
    [InlineData("""{"type":"response.completed","response":{"id":"r","output":[]},"sequence_number":4294967296}""", 4294967296)]
    [InlineData("""{"type":"keepalive"}""", -1)]
    [InlineData("""{"sequence_number":"5"}""", -1)]
    [InlineData("""{"sequence_number":-1}""", -1)]
    [InlineData("""{"sequence_number":99999999999999999999999}""", -1)]
    [InlineData("", -1)]
    public void SequenceNumberOf_ReadsTheEventsNumber(string data, long expected) =>
        Assert.Equal(expected, ResponsesNativeRelay.SequenceNumberOf(Encoding.UTF8.GetBytes(data)));
}
