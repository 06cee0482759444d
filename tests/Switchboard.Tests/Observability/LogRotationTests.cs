using System.Text;
using Switchboard.Observability;

namespace Switchboard.Tests.Observability;

public sealed class LogRotationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-rotate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Flush_PastMaxSize_RotatesAndKeepsTheConfiguredNumberOfFiles()
    {
        var path = Path.Combine(_dir, ".litellm-proxy.log");
        // As the start script does: standard output appended to the file.
        var stdout = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var output = new BufferedConsoleOutput(TextWriter.Null, stdout);
        try
        {
            output.ConfigureRotationBytes(path, maxBytes: 1000, maxFiles: 3);
            for (var i = 0; i < 100; i++)
            {
                output.Writer.WriteLine($"line {i:D3} " + new string('x', 90));
                if (i % 5 == 4)
                {
                    output.Flush();
                }
            }
        }
        finally
        {
            output.Dispose();
            stdout.Dispose();
        }

        Assert.True(File.Exists(path));
        Assert.True(File.Exists(path + ".1"));
        Assert.True(File.Exists(path + ".2"));
        Assert.True(File.Exists(path + ".3"));
        Assert.False(File.Exists(path + ".4"));
        Assert.Equal(4, Directory.GetFiles(_dir).Length);

        // Newest last: .3, .2, .1, then the live file hold the last lines in order, none cut.
        var lines = new[] { ".3", ".2", ".1", "" }.SelectMany(s => File.ReadAllLines(path + s, Encoding.UTF8)).ToList();
        Assert.All(lines, l => Assert.Matches("^line \\d{3} x{90}$", l));
        var numbers = lines.Select(l => int.Parse(l.AsSpan(5, 3), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers);
        Assert.Equal(99, numbers[^1]);
        Assert.All(new[] { ".1", ".2", ".3" }, s => Assert.InRange(new FileInfo(path + s).Length, 1000, 1000 + (5 * 100)));
    }

    [Fact]
    public void Flush_BelowMaxSize_DoesNotRotate()
    {
        var path = Path.Combine(_dir, "small.log");
        var stdout = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        using (var output = new BufferedConsoleOutput(TextWriter.Null, stdout))
        {
            output.ConfigureRotationBytes(path, maxBytes: 1_000_000, maxFiles: 2);
            output.Writer.WriteLine("one line");
            output.Flush();
        }

        stdout.Dispose();
        Assert.Equal([path], Directory.GetFiles(_dir));
        Assert.Equal("one line" + Environment.NewLine, File.ReadAllText(path));
    }
}
