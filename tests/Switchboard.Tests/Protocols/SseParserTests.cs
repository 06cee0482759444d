using System.IO.Pipelines;
using System.Text;
using Switchboard.Protocols.OpenAi;

namespace Switchboard.Tests.Protocols;

public sealed class SseParserTests
{
    private const string Stream =
        "event: message_start\r\ndata: {\"a\":\"é👋\"}\r\n\r\n: comment\n\nevent: custom\ndata: line1\ndata:line2\nid: 7\n\ndata: [DONE]\n\n";

    private static readonly (string?, string)[] Expected =
        [("message_start", "{\"a\":\"é👋\"}"), ("custom", "line1\nline2"), (null, "[DONE]")];

    [Fact]
    public void TryRead_SplitAtEveryByte_SameEventsAsWhole()
    {
        var bytes = Encoding.UTF8.GetBytes(Stream);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var parser = new SseParser();
            var events = new List<(string?, string)>();
            parser.Append(bytes.AsSpan(0, cut));
            Drain(parser, events);
            parser.Append(bytes.AsSpan(cut));
            Drain(parser, events);
            Assert.Equal(Expected, events);
        }
    }

    [Fact]
    public void TryRead_OneByteAtATime_SameEvents()
    {
        var parser = new SseParser();
        var events = new List<(string?, string)>();
        foreach (var b in Encoding.UTF8.GetBytes(Stream))
        {
            parser.Append([b]);
            Drain(parser, events);
        }

        Assert.Equal(Expected, events);
    }

    [Fact]
    public void TryReadFinal_LastEventWithoutBlankLine_Yielded()
    {
        var parser = new SseParser();
        parser.Append("data: {\"x\":1}\r"u8);
        Assert.False(parser.TryRead(out _));

        Assert.True(parser.TryReadFinal(out var e));
        Assert.Equal("{\"x\":1}", Encoding.UTF8.GetString(e.Data.Span));
        Assert.False(parser.TryReadFinal(out _));
    }

    [Fact]
    public void SseEvent_IsDone_OnlyForDoneMarker()
    {
        Assert.True(new SseEvent(null, "[DONE]"u8.ToArray()).IsDone);
        Assert.False(new SseEvent(null, "{}"u8.ToArray()).IsDone);
    }

    [Fact]
    public async Task ReadAllAsync_Stream_YieldsAllEvents()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Stream));
        var events = new List<(string?, string)>();

        await foreach (var e in SseParser.ReadAllAsync(stream, CancellationToken.None))
        {
            events.Add((e.Name, Encoding.UTF8.GetString(e.Data.Span)));
        }

        Assert.Equal(Expected, events);
    }

    [Fact]
    public async Task ReadAllAsync_PipeReaderWithPartialWrites_YieldsAllEvents()
    {
        var pipe = new Pipe();
        var bytes = Encoding.UTF8.GetBytes(Stream);
        var events = new List<(string?, string)>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in SseParser.ReadAllAsync(pipe.Reader, CancellationToken.None))
            {
                events.Add((e.Name, Encoding.UTF8.GetString(e.Data.Span)));
            }
        });

        for (var i = 0; i < bytes.Length; i += 5)
        {
            await pipe.Writer.WriteAsync(bytes.AsMemory(i, Math.Min(5, bytes.Length - i)));
        }

        await pipe.Writer.CompleteAsync();
        await reading;

        Assert.Equal(Expected, events);
    }

    [Fact]
    public void TryRead_EventGrowingPastTheCap_ThrowsInsteadOfGrowing()
    {
        var parser = new SseParser(maxEventBytes: 4096);
        var line = Encoding.UTF8.GetBytes("data: " + new string('a', 1000) + "\n");

        // Data lines without the blank line that ends the event: an endless event.
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                parser.Append(line);
                parser.TryRead(out _);
            }
        });
        Assert.Contains("max_sse_event_bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_LineWithoutEndPastTheCap_Throws()
    {
        var parser = new SseParser(maxEventBytes: 4096);
        parser.Append("data: "u8);
        var chunk = new byte[1024];
        Array.Fill(chunk, (byte)'a');

        Assert.Throws<InvalidDataException>(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                parser.Append(chunk);
                parser.TryRead(out _);
            }
        });
    }

    [Fact]
    public void TryRead_ManyEventsEachUnderTheCap_AllRead()
    {
        var parser = new SseParser(maxEventBytes: 4096);
        var events = new List<(string?, string)>();
        for (var i = 0; i < 100; i++)
        {
            parser.Append(Encoding.UTF8.GetBytes("data: " + new string('a', 3000) + "\n\n"));
            Drain(parser, events);
        }

        Assert.Equal(100, events.Count);
    }

    [Fact]
    public void TryRead_ErrorEventEchoingAKey_DataIsRedacted()
    {
        const string key = "sk-parser-secret-0123456789";
        var parser = new SseParser(secrets: new Switchboard.Observability.SecretRedactor([key]));
        parser.Append(Encoding.UTF8.GetBytes("event: error\ndata: {\"error\":{\"message\":\"bad key " + key + "\"}}\n\n"));

        Assert.True(parser.TryRead(out var evt));
        var data = Encoding.UTF8.GetString(evt.Data.Span);
        Assert.DoesNotContain("parser-secret", data, StringComparison.Ordinal);
        Assert.Contains(Switchboard.Observability.KeyMask.Mask(key), data, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_AllEventsOfAReadTaken_HoldsNoBuffers()
    {
        var parser = new SseParser();
        Assert.False(parser.HoldsBuffers);

        parser.Append("data: {\"a\":1}\n\ndata: {\"b\":2}\n\n"u8);
        Assert.True(parser.HoldsBuffers);
        Assert.True(parser.TryRead(out _));
        Assert.True(parser.TryRead(out var second));
        Assert.Equal("{\"b\":2}", Encoding.UTF8.GetString(second.Data.Span));
        Assert.False(parser.TryRead(out _));

        Assert.False(parser.HoldsBuffers);
    }

    [Fact]
    public void TryRead_EventIncompleteAtTheEndOfARead_KeepsItsBytesUntilItEnds()
    {
        var parser = new SseParser();
        parser.Append("event: custom\ndata: first\ndata: sec"u8);
        Assert.False(parser.TryRead(out _));
        Assert.True(parser.HoldsBuffers);

        // Another stream's parser reusing the pooled arrays meanwhile must not disturb this one.
        var other = new SseParser();
        other.Append("data: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\n"u8);
        Assert.True(other.TryRead(out _));
        Assert.False(other.TryRead(out _));

        parser.Append("ond\n\n"u8);
        Assert.True(parser.TryRead(out var evt));
        Assert.Equal("custom", evt.Name);
        Assert.Equal("first\nsecond", Encoding.UTF8.GetString(evt.Data.Span));
        Assert.False(parser.TryRead(out _));
        Assert.False(parser.HoldsBuffers);
    }

    [Fact]
    public void TryRead_BlankLineSplitFromItsEvent_KeepsTheDataBetweenReads()
    {
        var parser = new SseParser();
        parser.Append("data: whole line\n"u8);
        Assert.False(parser.TryRead(out _));
        Assert.True(parser.HoldsBuffers);

        parser.Append("\n"u8);
        Assert.True(parser.TryRead(out var evt));
        Assert.Equal("whole line", Encoding.UTF8.GetString(evt.Data.Span));
        Assert.False(parser.TryRead(out _));
        Assert.False(parser.HoldsBuffers);
    }

    [Fact]
    public void TryReadFinal_EndOfInput_HoldsNoBuffers()
    {
        var parser = new SseParser();
        parser.Append("data: last"u8);
        Assert.False(parser.TryRead(out _));

        Assert.True(parser.TryReadFinal(out var evt));
        Assert.Equal("last", Encoding.UTF8.GetString(evt.Data.Span));
        Assert.False(parser.TryReadFinal(out _));
        Assert.False(parser.HoldsBuffers);
    }

    private static void Drain(SseParser parser, List<(string?, string)> events)
    {
        while (parser.TryRead(out var e))
        {
            events.Add((e.Name, Encoding.UTF8.GetString(e.Data.Span)));
        }
    }
}
