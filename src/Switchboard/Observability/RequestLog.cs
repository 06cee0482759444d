using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Switchboard.Observability;

/// <summary>
/// Writes the request log line (one per proxied call) straight into the buffered standard output as UTF-8, formatted once
/// into a per-thread buffer: no message string, no formatter line string, no logger queue entry (architecture decision 14).
/// Only where the console logger is the one provider and would write the same bytes; otherwise <see cref="TryWrite"/>
/// answers false and the caller logs through <see cref="ILogger"/>, so that nothing is lost and every filter applies.
/// </summary>
internal sealed class RequestLog
{
    private const int MaxLineBytes = 1 << 20;

    [ThreadStatic]
    private static byte[]? t_buffer;

    [ThreadStatic]
    private static JsonScratch? t_json;

    private readonly ILogger _logger;
    private readonly BufferedConsoleOutput _output;
    private readonly TimeProvider _time;
    private readonly string _category;
    private readonly byte[] _categoryUtf8;
    private volatile Prepared? _prepared;

    /// <param name="logger">The logger of the line's category: its level filters decide whether the line is written.</param>
    /// <param name="time">The wall clock of the timestamps (the console logger's clock is the system's).</param>
    internal RequestLog(ILogger logger, string category, BufferedConsoleOutput output, TimeProvider time, RequestLogSettings? settings)
    {
        _logger = logger;
        _category = category;
        _categoryUtf8 = Encoding.UTF8.GetBytes(category);
        _output = output;
        _time = time;
        Apply(settings);
    }

    /// <summary>Whether lines are written directly now (false: the caller's logger writes them).</summary>
    public bool Direct => _prepared is not null;

    /// <summary>
    /// The writer for a built host, or null when the lines must go through the logger: standard output not buffered
    /// (a terminal), another logger provider than the console (OpenTelemetry logs, a test's capture), or console options
    /// under which its line would differ. Follows changes of the console's options (a reloaded <c>Logging</c> section).
    /// </summary>
    public static RequestLog? Create(IServiceProvider services, string category, BufferedConsoleOutput? output)
    {
        return output is { IsConsoleOut: true } ? CreateFor(services, category, output) : null;
    }

    /// <summary><see cref="Create"/> for an output that the host's console logger writes to.</summary>
    internal static RequestLog? CreateFor(IServiceProvider services, string category, BufferedConsoleOutput output)
    {
        if (services.GetServices<ILoggerProvider>().ToArray() is not [ConsoleLoggerProvider])
        {
            return null;
        }

        var console = services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>();
        var simple = services.GetRequiredService<IOptionsMonitor<SimpleConsoleFormatterOptions>>();
        var json = services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>();
        RequestLogSettings? Current() => RequestLogSettings.From(console.CurrentValue, simple.CurrentValue, json.CurrentValue,
            Console.IsOutputRedirected, Environment.GetEnvironmentVariable);
        var log = new RequestLog(services.GetRequiredService<ILoggerFactory>().CreateLogger(category), category, output, TimeProvider.System, Current());
        // The monitors live as long as the host, as this writer does.
        console.OnChange(_ => log.Apply(Current()));
        simple.OnChange(_ => log.Apply(Current()));
        json.OnChange(_ => log.Apply(Current()));
        return log;
    }

    /// <summary>
    /// Writes the line, or nothing when Information is off for the category. False when it must go through the logger
    /// instead (see <see cref="Create"/>; also a line with surrogates, or over 1 MB).
    /// </summary>
    public bool TryWrite(in RequestLine line)
    {
        var prepared = _prepared;
        if (prepared is null)
        {
            return false;
        }

        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return true;
        }

        if (line.HasSurrogates())
        {
            return false;
        }

        return prepared.Settings.Json ? WriteJson(prepared, line) : WriteText(prepared, line);
    }

    internal void Apply(RequestLogSettings? settings) =>
        _prepared = settings is null ? null : new Prepared(settings, settings.Json ? new RequestLogFormat.JsonNames(_category, settings.JsonOptions) : null);

    private DateTimeOffset Now(RequestLogSettings settings) => settings.UtcTimestamp ? _time.GetUtcNow() : _time.GetLocalNow();

    private bool WriteText(Prepared prepared, in RequestLine line)
    {
        var settings = prepared.Settings;
        var stamp = settings.TimestampFormat is null ? default : Now(settings);
        var buffer = t_buffer ??= new byte[1024];
        int written;
        while (!RequestLogFormat.TryWriteText(buffer, stamp, settings.TimestampFormat, _categoryUtf8, line, out written))
        {
            if (!TryGrow(ref buffer))
            {
                return false;
            }
        }

        _output.WriteUtf8(buffer.AsSpan(0, written));
        return true;
    }

    private bool WriteJson(Prepared prepared, in RequestLine line)
    {
        var settings = prepared.Settings;
        var buffer = t_buffer ??= new byte[1024];
        int message;
        while (!RequestLogFormat.TryWriteMessage(buffer, line, out message))
        {
            if (!TryGrow(ref buffer))
            {
                return false;
            }
        }

        // The timestamp after the message in the same buffer (at most a few dozen bytes).
        var stampAt = message;
        var stampLength = 0;
        if (settings.TimestampFormat is not null)
        {
            while (!RequestLogStamp.TryFormat(Now(settings), settings.TimestampFormat, buffer.AsSpan(stampAt), out stampLength))
            {
                if (!TryGrow(ref buffer))
                {
                    return false;
                }
            }
        }

        var scratch = t_json;
        if (scratch is null || !ReferenceEquals(scratch.Prepared, prepared))
        {
            scratch = t_json = new JsonScratch(prepared);
        }

        scratch.Output.ResetWrittenCount();
        scratch.Writer.Reset(scratch.Output);
        RequestLogFormat.WriteJson(scratch.Writer, prepared.Names!, buffer.AsSpan(stampAt, stampLength), settings.TimestampFormat is not null,
            buffer.AsSpan(0, message), line);
        scratch.Output.Write(RequestLogFormat.LineEnd);
        _output.WriteUtf8(scratch.Output.WrittenSpan);
        if (scratch.Output.Capacity > 64 * 1024)
        {
            // A huge line (a model name of a megabyte) does not keep its buffer for the thread's life.
            t_json = null;
        }

        return true;
    }

    private static bool TryGrow(ref byte[] buffer)
    {
        if (buffer.Length >= MaxLineBytes)
        {
            return false;
        }

        buffer = new byte[buffer.Length * 2];
        // Kept up to 64 KB for the thread's next lines; past that, only for this one.
        if (buffer.Length <= 64 * 1024)
        {
            t_buffer = buffer;
        }

        return true;
    }

    private sealed record Prepared(RequestLogSettings Settings, RequestLogFormat.JsonNames? Names);

    /// <summary>A thread's JSON writer and its output, reused from line to line.</summary>
    private sealed class JsonScratch
    {
        public JsonScratch(Prepared prepared)
        {
            Prepared = prepared;
            Output = new ArrayBufferWriter<byte>(1024);
            Writer = new Utf8JsonWriter(Output, prepared.Settings.JsonOptions);
        }

        public Prepared Prepared { get; }

        public ArrayBufferWriter<byte> Output { get; }

        public Utf8JsonWriter Writer { get; }
    }
}
