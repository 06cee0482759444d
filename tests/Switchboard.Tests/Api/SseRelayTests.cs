using System.Buffers;
using Switchboard.Api;

namespace Switchboard.Tests.Api;

public sealed class SseRelayTests
{
    [Fact]
    public void TryReadEvent_UnfinishedEventPastTheCap_Throws()
    {
        var buffer = new ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes("data: " + new string('a', 5000)));

        Assert.Throws<InvalidDataException>(() => SseRelay.TryReadEvent(ref buffer, out _, maxEventBytes: 4096));
    }

    [Fact]
    public void TryReadEvent_UnfinishedEventUnderTheCap_WaitsForMore()
    {
        var buffer = new ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes("data: done\n\ndata: " + new string('a', 3000)));

        Assert.True(SseRelay.TryReadEvent(ref buffer, out _, maxEventBytes: 4096));
        Assert.False(SseRelay.TryReadEvent(ref buffer, out _, maxEventBytes: 4096));
    }
}
