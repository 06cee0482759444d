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
}
