using System.Text;

namespace Switchboard.Observability;

/// <summary>
/// Standard output through a buffer that a timer flushes, for a gateway whose output goes to a file or a pipe (the start
/// script's <c>.litellm-proxy.log</c>). The console logger writes one line per request; on the default auto-flushing
/// stdout each line is its own write system call. Lines keep the time they were logged at and reach the file within
/// <see cref="FlushInterval"/>; disposing flushes what is left and restores the original output.
/// </summary>
internal sealed class BufferedConsoleOutput : IDisposable
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _original;
    private readonly TextWriter _buffered;
    private readonly Timer _timer;
    private int _disposed;

    /// <param name="original">What <see cref="Dispose"/> puts back under <see cref="Console.Out"/>.</param>
    /// <param name="stdout">Where the buffered text goes.</param>
    internal BufferedConsoleOutput(TextWriter original, Stream stdout)
    {
        _original = original;
        var writer = new StreamWriter(stdout, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024) { AutoFlush = false };
        _buffered = TextWriter.Synchronized(writer);
        _timer = new Timer(_ => Flush(), null, FlushInterval, FlushInterval);
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
    }

    /// <summary>
    /// Puts a buffer under <see cref="Console.Out"/> when it is redirected (a terminal keeps its line-by-line output);
    /// call before the host creates its console logger, which keeps the writer it finds. Null when nothing was changed.
    /// </summary>
    public static BufferedConsoleOutput? InstallWhenRedirected()
    {
        if (!Console.IsOutputRedirected)
        {
            return null;
        }

        var output = new BufferedConsoleOutput(Console.Out, Console.OpenStandardOutput());
        Console.SetOut(output.Writer);
        return output;
    }

    /// <summary>The buffered, thread-safe writer (what <see cref="Console.Out"/> is once installed).</summary>
    internal TextWriter Writer => _buffered;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
        _timer.Dispose();
        Flush();
        Console.SetOut(_original);
    }

    private void OnProcessExit(object? sender, EventArgs e) => Flush();

    // A crash ends the process without ProcessExit: the lines logged before it still reach the file.
    private void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e) => Flush();

    private void Flush()
    {
        try
        {
            _buffered.Flush();
        }
        catch (IOException)
        {
            // The reader went away (closed pipe): nothing to keep the lines for.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
