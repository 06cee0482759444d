using System.Globalization;
using System.Text;

namespace Switchboard.Observability;

/// <summary>
/// Standard output through a buffer that a timer flushes, for a gateway whose output goes to a file or a pipe (the start
/// script's <c>.litellm-proxy.log</c>). A line per request (<see cref="RequestLog"/>, as UTF-8 bytes) and the console
/// logger's lines land in one UTF-8 buffer; on the default auto-flushing stdout each line is its own write system call. Lines keep the time they were logged at and reach the file within
/// <see cref="FlushInterval"/>; disposing flushes what is left and restores the original output.
/// </summary>
/// <remarks>
/// Size-based rotation (<c>log_max_size_mb</c>, <c>log_max_files</c>), when the start script names the file it appends
/// stdout to (<c>SWITCHBOARD_LOG_FILE</c>): after a flush that leaves the file at or past the size, it is renamed to
/// <c>.1</c> (older ones move up to <c>.N</c>, the oldest is dropped) and the gateway goes on writing to a new file under
/// the same name, which it opens itself. Done by the gateway, so it keeps working while it runs; output written to the
/// raw standard streams by something other than the console (a runtime crash report) still lands in the file the
/// script opened, which may by then be <c>.1</c>.
/// </remarks>
internal sealed class BufferedConsoleOutput : IDisposable
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _original;
    private readonly TextWriter _originalError;

    // The one lock of every write, flush and rotation. It is the monitor the output stream's own writes take, when they take
    // one: the console's stream locks Console.Out on every write, and the console logger writes while holding Console.Out
    // (a synchronized writer). With a lock of its own, a timer flush holding it waited for Console.Out while the logger held
    // Console.Out and waited for it: the gateway hung under load.
    private object _gate;
    private readonly Timer _timer;
    private Utf8OutputBuffer _current;
    private bool _ownsCurrent;
    private string? _path;
    private long _maxBytes;
    private int _maxFiles;
    private int _disposed;

    /// <param name="original">What <see cref="Dispose"/> puts back under <see cref="Console.Out"/>.</param>
    /// <param name="stdout">Where the buffered text goes.</param>
    /// <param name="streamLock">The monitor that <paramref name="stdout"/>'s writes take, if any.</param>
    internal BufferedConsoleOutput(TextWriter original, Stream stdout, object? streamLock = null)
    {
        _gate = streamLock ?? new object();
        _original = original;
        _originalError = Console.Error;
        _current = new Utf8OutputBuffer(stdout, ownsStream: false);
        Writer = new LockedWriter(this);
        _timer = new Timer(_ => Flush(), null, FlushInterval, FlushInterval);
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
    }

    /// <summary>The instance installed under <see cref="Console.Out"/>, if any (for the host to apply the config's rotation).</summary>
    public static BufferedConsoleOutput? Current { get; private set; }

    /// <summary>
    /// Puts a buffer under <see cref="Console.Out"/> when it is redirected (a terminal keeps its line-by-line output);
    /// call before the host creates its console logger, which keeps the writer it finds. Null when nothing was changed.
    /// Rotation is taken from <c>SWITCHBOARD_LOG_FILE</c>, <c>SWITCHBOARD_LOG_MAX_SIZE_MB</c> and
    /// <c>SWITCHBOARD_LOG_MAX_FILES</c> (set by the start script); the config's values, applied later, win.
    /// </summary>
    public static BufferedConsoleOutput? InstallWhenRedirected()
    {
        if (!Console.IsOutputRedirected)
        {
            return null;
        }

        // Console.Out becomes this synchronized wrapper (SetOut keeps a writer that already is one), whose monitor the
        // console stream's writes take: set as the gate before any other thread writes.
        var output = new BufferedConsoleOutput(Console.Out, Console.OpenStandardOutput());
        var synchronized = TextWriter.Synchronized(output.Writer);
        output._gate = synchronized;
        Console.SetOut(synchronized);
        var size = double.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_LOG_MAX_SIZE_MB"), NumberStyles.Float, CultureInfo.InvariantCulture, out var mb) ? mb : (double?)null;
        var files = int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_LOG_MAX_FILES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (int?)null;
        output.ConfigureRotation(Environment.GetEnvironmentVariable("SWITCHBOARD_LOG_FILE"), size, files);
        Current = output;
        return output;
    }

    /// <summary>Whether this buffer is what <see cref="Console.Out"/> is (the console logger writes there).</summary>
    internal bool IsConsoleOut => ReferenceEquals(Console.Out, _gate);

    /// <summary>The buffered, thread-safe writer (what <see cref="Console.Out"/> is once installed).</summary>
    internal TextWriter Writer { get; }

    /// <summary>
    /// Rotates <paramref name="path"/> (the file standard output is appended to) past <paramref name="maxSizeMb"/>,
    /// keeping <paramref name="maxFiles"/> rotated files (5 when null). A null path or size leaves rotation as it was.
    /// </summary>
    public void ConfigureRotation(string? path, double? maxSizeMb, int? maxFiles)
    {
        lock (_gate)
        {
            _path = string.IsNullOrEmpty(path) ? _path : Path.GetFullPath(path);
            if (maxSizeMb is > 0)
            {
                _maxBytes = (long)(maxSizeMb.Value * 1024 * 1024);
            }

            if (maxFiles is > 0)
            {
                _maxFiles = maxFiles.Value;
            }
            else if (_maxFiles == 0)
            {
                _maxFiles = 5;
            }

            if (_path is not null && _maxBytes > 0)
            {
                // Errors of the runtime and of the host reach the rotated file too, not only the one the script opened.
                Console.SetError(Writer);
            }
        }
    }

    /// <summary>Rotation by a byte count, for tests.</summary>
    internal void ConfigureRotationBytes(string path, long maxBytes, int maxFiles)
    {
        lock (_gate)
        {
            _path = path;
            _maxBytes = maxBytes;
            _maxFiles = maxFiles;
        }
    }

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
        if (ReferenceEquals(Console.Error, Writer))
        {
            Console.SetError(_originalError);
        }

        lock (_gate)
        {
            if (_ownsCurrent)
            {
                _current.Dispose();
            }
        }

        if (ReferenceEquals(Current, this))
        {
            Current = null;
        }
    }

    /// <summary>
    /// Appends text already encoded in UTF-8 (whole lines: <see cref="RequestLog"/>) after everything written before, under
    /// the same lock as the console logger's writes. An output that went away (closed pipe) drops it, as a flush would.
    /// </summary>
    internal void WriteUtf8(ReadOnlySpan<byte> utf8)
    {
        lock (_gate)
        {
            try
            {
                _current.WriteUtf8(utf8);
            }
            catch (IOException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Flush();

    // A crash ends the process without ProcessExit: the lines logged before it still reach the file.
    private void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e) => Flush();

    internal void Flush()
    {
        lock (_gate)
        {
            try
            {
                _current.Flush();
                RotateIfDueLocked();
            }
            catch (IOException)
            {
                // The reader went away (closed pipe), or the file could not be renamed: nothing to do until the next flush.
            }
            catch (UnauthorizedAccessException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void RotateIfDueLocked()
    {
        if (_path is null || _maxBytes <= 0 || !File.Exists(_path) || new FileInfo(_path).Length < _maxBytes)
        {
            return;
        }

        for (var i = _maxFiles - 1; i >= 1; i--)
        {
            var older = $"{_path}.{i}";
            if (File.Exists(older))
            {
                File.Move(older, $"{_path}.{i + 1}", overwrite: true);
            }
        }

        File.Move(_path, _path + ".1", overwrite: true);
        var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        if (_ownsCurrent)
        {
            _current.Dispose();
        }

        _current = new Utf8OutputBuffer(file, ownsStream: true);
        _ownsCurrent = true;
    }

    /// <summary>Every write under the output's lock, to whichever file is current.</summary>
    private sealed class LockedWriter(BufferedConsoleOutput owner) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (owner._gate)
            {
                owner._current.Write(new ReadOnlySpan<char>(in value));
            }
        }

        public override void Write(string? value)
        {
            lock (owner._gate)
            {
                owner._current.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (owner._gate)
            {
                owner._current.Write(buffer.AsSpan(index, count));
            }
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            lock (owner._gate)
            {
                owner._current.Write(buffer);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (owner._gate)
            {
                owner._current.Write(value);
                owner._current.Write(Environment.NewLine);
            }
        }

        public override void WriteLine(ReadOnlySpan<char> buffer)
        {
            lock (owner._gate)
            {
                owner._current.Write(buffer);
                owner._current.Write(Environment.NewLine);
            }
        }

        public override void WriteLine()
        {
            lock (owner._gate)
            {
                owner._current.Write(Environment.NewLine);
            }
        }

        public override void Flush() => owner.Flush();
    }
}
