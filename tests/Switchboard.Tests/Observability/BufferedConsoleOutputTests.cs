using System.Text;
using Switchboard.Observability;

namespace Switchboard.Tests.Observability;

public sealed class BufferedConsoleOutputTests
{
    [Fact]
    public async Task Lines_ReachTheStreamByTheTimerAndAllOnDispose()
    {
        using var stream = new MemoryStream();
        var output = new BufferedConsoleOutput(Console.Out, stream);
        try
        {
            output.Writer.WriteLine("first line");

            // The timer flushes within its interval; wait for it (bounded) instead of flushing by hand.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (stream.Length == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(BufferedConsoleOutput.FlushInterval / 2);
            }

            Assert.Equal("first line" + Environment.NewLine, Encoding.UTF8.GetString(stream.ToArray()));
            output.Writer.Write("last, unterminated ✓");
        }
        finally
        {
            output.Dispose();
        }

        Assert.Equal("first line" + Environment.NewLine + "last, unterminated ✓", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task Writer_ManyThreadsAtOnce_KeepsEveryLineWhole()
    {
        using var stream = new MemoryStream();
        using (var output = new BufferedConsoleOutput(Console.Out, stream))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
            {
                for (var i = 0; i < 500; i++)
                {
                    output.Writer.WriteLine($"thread {t} line {i} " + new string('x', 100));
                }
            })));
        }

        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4000, lines.Length);
        Assert.All(lines, line => Assert.Matches(@"^thread \d line \d+ x{100}$", line));
    }

    [Fact]
    public void WriteUtf8_BetweenTextWrites_KeepsTheOrderOfWrites()
    {
        using var stream = new MemoryStream();
        using (var output = new BufferedConsoleOutput(Console.Out, stream))
        {
            output.Writer.Write("text ✓ ");
            output.Writer.Write('\uD83D'); // the high half of 😀: its low half never comes
            output.WriteUtf8("bytes ✓\n"u8);
            output.Writer.WriteLine("more text");
            output.WriteUtf8(Encoding.UTF8.GetBytes(new string('b', 70 * 1024) + "\n"));
            output.Writer.WriteLine("last");
        }

        Assert.Equal("text ✓ \uFFFDbytes ✓\nmore text" + Environment.NewLine + new string('b', 70 * 1024) + "\nlast" + Environment.NewLine,
            Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Flush_WhileAWriterHoldsTheStreamsLock_DoesNotDeadlock()
    {
        // The console's stream locks Console.Out on each write, and the console logger writes while holding Console.Out:
        // a timer flush that held the buffer's lock and waited for Console.Out hung the gateway under load.
        var consoleLock = new object();
        using var inWrite = new ManualResetEventSlim();
        var stream = new LockingStream(consoleLock, inWrite);
        var output = new BufferedConsoleOutput(Console.Out, stream, consoleLock);
        output.Writer.WriteLine("pending line");
        using var writerHoldsLock = new ManualResetEventSlim();
        var writer = new Thread(() =>
        {
            lock (consoleLock)
            {
                writerHoldsLock.Set();

                // A flush that took the buffer's lock first is in the stream's write by now; one that orders its locks waits outside.
                inWrite.Wait(TimeSpan.FromSeconds(2));
                output.Writer.WriteLine("logger line");
            }
        })
        { IsBackground = true };
        var flusher = new Thread(() =>
        {
            writerHoldsLock.Wait();
            output.Flush();
        })
        { IsBackground = true };
        writer.Start();
        flusher.Start();

        Assert.True(writer.Join(TimeSpan.FromSeconds(30)), "the writer never got the buffer's lock");
        Assert.True(flusher.Join(TimeSpan.FromSeconds(30)), "the flush never got the stream's lock");
        output.Dispose();
        Assert.Equal("pending line" + Environment.NewLine + "logger line" + Environment.NewLine, Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>A stream whose writes take a monitor, as the console's stream takes Console.Out's.</summary>
    private sealed class LockingStream(object gate, ManualResetEventSlim inWrite) : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            inWrite.Set();
            lock (gate)
            {
                base.Write(buffer, offset, count);
            }
        }
    }
}
