using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Switchboard.Api;
using Switchboard.Observability;

namespace Switchboard.Bench;

/// <summary>
/// The request log line, one per proxied call: written directly into the buffered stdout (<see cref="RequestLog"/>, text and
/// <c>json_logs</c> mode, the gateway's console options), against what the console logger did for it before it is queued
/// (the generated <c>Log.Request</c> state through Microsoft's formatter into a reused writer, then the line's string).
/// </summary>
[MemoryDiagnoser]
public class RequestLogBenchmarks
{
    private static readonly RequestLine Line = new("POST", "/v1/chat/completions", 200, "glm-pool", "glm-pool", "glm-pool-0", 0, false, 12.345, 0.678,
        "0193a8f0c2b57c3d9e1f");

    private BufferedConsoleOutput _output = null!;
    private RequestLog _text = null!;
    private RequestLog _json = null!;
    private ServiceProvider _services = null!;
    private FormatterLogger _simpleFormatter = null!;
    private FormatterLogger _jsonFormatter = null!;

    [GlobalSetup]
    public void Setup()
    {
        _output = new BufferedConsoleOutput(Console.Out, Stream.Null);
        _text = new RequestLog(new EnabledLogger(), GatewayServices.LogCategory, _output, TimeProvider.System,
            RequestLogSettings.Text("yyyy-MM-dd HH:mm:ss.fff ", utcTimestamp: false));
        _json = new RequestLog(new EnabledLogger(), GatewayServices.LogCategory, _output, TimeProvider.System,
            RequestLogSettings.JsonLines("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", utcTimestamp: true, new JsonWriterOptions { Indented = false }));
        _services = new ServiceCollection().AddLogging(logging =>
        {
            ConsoleLogs.Add(logging, json: false);
            ConsoleLogs.Add(logging, json: true);
        }).BuildServiceProvider();
        var formatters = _services.GetServices<ConsoleFormatter>().ToList();
        _simpleFormatter = new FormatterLogger(formatters.Single(f => f.Name == ConsoleFormatterNames.Simple));
        _jsonFormatter = new FormatterLogger(formatters.Single(f => f.Name == ConsoleFormatterNames.Json));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _output.Dispose();
        _services.Dispose();
    }

    [Benchmark]
    public bool Text() => _text.TryWrite(Line);

    [Benchmark]
    public bool Json() => _json.TryWrite(Line);

    [Benchmark]
    public int LoggerMessage_SimpleConsoleFormatter() => _simpleFormatter.Format(Line);

    [Benchmark]
    public int LoggerMessage_JsonConsoleFormatter() => _jsonFormatter.Format(Line);

    private sealed class EnabledLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }

    /// <summary>The console logger's step before its queue: the formatter into its thread's reused writer, then the line's string.</summary>
    private sealed class FormatterLogger(ConsoleFormatter formatter) : ILogger
    {
        private readonly StringWriter _writer = new();
        private string _last = "";

        public int Format(in RequestLine line)
        {
            Switchboard.Api.Log.Request(this, line.Method, line.Path, line.Status, line.Model, line.Group, line.Deployment, line.Retries, line.Stream, line.DurationMs,
                line.OverheadMs, line.CallId);
            return _last.Length;
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> format)
        {
            formatter.Write(new LogEntry<TState>(logLevel, GatewayServices.LogCategory, eventId, state, exception, format), null, _writer);
            var builder = _writer.GetStringBuilder();
            _last = builder.ToString();
            builder.Clear();
        }
    }
}
