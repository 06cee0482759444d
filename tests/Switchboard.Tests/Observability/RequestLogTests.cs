using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Api;
using Switchboard.Observability;

namespace Switchboard.Tests.Observability;

/// <summary>
/// The request line written directly (<see cref="RequestLog"/>) against the line Microsoft's console formatters make of
/// the <c>[LoggerMessage]</c> event <c>Log.Request</c> for the same values, with the gateway's console options.
/// </summary>
public sealed class RequestLogTests
{
    private const string Category = "Switchboard.Api";

    private static readonly RequestLine Typical = new("POST", "/v1/chat/completions", 200, "glm-pool", "glm-pool", "glm-pool-0", 0, false, 12.345, 0.678,
        "c0ffee1234567890");

    /// <summary>Typical, nulls, characters JSON escapes and line breaks, empty strings and extreme figures, a cache hit.</summary>
    private static readonly RequestLine[] Cases =
    [
        Typical,
        new RequestLine("POST", "/v1/messages", 429, null, null, null, 2, true, 0.04, 0.005, "call-2"),
        new RequestLine("POST", "/v1/chat/completions/\"quoted\"<tag>&'+\\ü€\u0001", 400, "a\nmodel\twith \"odd\" <chars> & ü", "g&<>", "dep\r\n", 3, true,
            123456.789, 0.0, "id"),
        new RequestLine("GET", "/v1/models", 200, "", "", "", 0, false, 1e-9, 99999999.995, ""),
        new RequestLine("POST", "/chat/completions", 503, "x", null, "cache", 12, false, 7.25, 7.25, "zz"),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void TryWrite_TextMode_SameBytesAsTheSimpleConsoleFormatter(int index)
    {
        var line = Cases[index];
        using var provider = Container(json: false);
        var expected = MicrosoftLine(provider, "simple", line);
        var stamp = DateTime.ParseExact(expected.AsSpan(0, 23), "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.CurrentCulture);
        var time = new FakeTimeProvider(new DateTimeOffset(stamp).ToUniversalTime());
        time.SetLocalTimeZone(TimeZoneInfo.Local);

        var written = WriteDirect(provider, time, line, out var handled);

        Assert.True(handled);
        Assert.Equal(expected, written);
        Assert.Equal(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(written));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void TryWrite_JsonMode_SameBytesAsTheJsonConsoleFormatter(int index)
    {
        var line = Cases[index];
        using var provider = Container(json: true);
        var expected = MicrosoftLine(provider, "json", line);
        using (var doc = JsonDocument.Parse(expected))
        {
            var stamp = DateTimeOffset.ParseExact(doc.RootElement.GetProperty("Timestamp").GetString()!, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
                CultureInfo.CurrentCulture, DateTimeStyles.AssumeUniversal);
            var time = new FakeTimeProvider(stamp);

            var written = WriteDirect(provider, time, line, out var handled);

            Assert.True(handled);
            Assert.Equal(expected, written);
        }
    }

    [Fact]
    public void TryWrite_InformationOffForTheCategory_WritesNothingAndNeedsNoLogger()
    {
        using var stream = new MemoryStream();
        using (var output = new BufferedConsoleOutput(Console.Out, stream))
        {
            var log = new RequestLog(new FixedLevelLogger(enabled: false), Category, output, TimeProvider.System,
                RequestLogSettings.Text("yyyy-MM-dd HH:mm:ss.fff ", utcTimestamp: false));
            Assert.True(log.TryWrite(Typical));
        }

        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void TryWrite_LoneSurrogateInModel_LeavesTheLineToTheLogger()
    {
        using var stream = new MemoryStream();
        using (var output = new BufferedConsoleOutput(Console.Out, stream))
        {
            var log = new RequestLog(new FixedLevelLogger(enabled: true), Category, output, TimeProvider.System,
                RequestLogSettings.JsonLines(null, utcTimestamp: true, default));
            Assert.False(log.TryWrite(Typical with { Model = "bad \uD800 model" }));
        }

        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void TryWrite_PathOf100KB_WritesTheWholeLine()
    {
        using var stream = new MemoryStream();
        var path = "/" + new string('p', 100_000);
        using (var output = new BufferedConsoleOutput(Console.Out, stream))
        {
            var log = new RequestLog(new FixedLevelLogger(enabled: true), Category, output, TimeProvider.System, RequestLogSettings.Text(null, false));
            Assert.True(log.TryWrite(Typical with { Path = path }));
        }

        Assert.StartsWith("info: Switchboard.Api[100] POST " + path + " 200 model=glm-pool", Encoding.UTF8.GetString(stream.ToArray()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CreateFor_ConsoleTheOnlyProvider_WritesDirectly(bool json)
    {
        using var provider = new ServiceCollection().AddLogging(logging => ConsoleLogs.Add(logging, json)).BuildServiceProvider();
        using var output = new BufferedConsoleOutput(Console.Out, Stream.Null);

        var log = RequestLog.CreateFor(provider, Category, output);

        Assert.NotNull(log);
        Assert.True(log.Direct);
    }

    [Fact]
    public void CreateFor_AnotherLoggerProvider_LeavesTheLinesToTheLogger()
    {
        using var provider = new ServiceCollection().AddLogging(logging =>
        {
            ConsoleLogs.Add(logging, json: false);
            logging.AddProvider(NullLoggerProvider.Instance);
        }).BuildServiceProvider();
        using var output = new BufferedConsoleOutput(Console.Out, Stream.Null);

        Assert.Null(RequestLog.CreateFor(provider, Category, output));
    }

    [Fact]
    public void CreateFor_InformationToStandardError_LeavesTheLinesToTheLogger()
    {
        using var provider = new ServiceCollection().AddLogging(logging =>
        {
            ConsoleLogs.Add(logging, json: false);
            logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }).BuildServiceProvider();
        using var output = new BufferedConsoleOutput(Console.Out, Stream.Null);

        var log = RequestLog.CreateFor(provider, Category, output);

        Assert.NotNull(log);
        Assert.False(log.Direct);
        Assert.False(log.TryWrite(Typical));
    }

    [Theory]
    [InlineData(LoggerColorBehavior.Enabled, true, null, false)]
    [InlineData(LoggerColorBehavior.Default, false, null, false)]
    [InlineData(LoggerColorBehavior.Default, true, "true", false)]
    [InlineData(LoggerColorBehavior.Default, true, null, true)]
    [InlineData(LoggerColorBehavior.Disabled, false, null, true)]
    public void From_Colours_OnlyWithoutThem(LoggerColorBehavior colours, bool redirected, string? allowRedirection, bool direct)
    {
        var simple = new SimpleConsoleFormatterOptions { SingleLine = true, ColorBehavior = colours };
        var console = new ConsoleLoggerOptions { FormatterName = ConsoleFormatterNames.Simple };

        var settings = RequestLogSettings.From(console, simple, new JsonConsoleFormatterOptions(), redirected, _ => allowRedirection);

        Assert.Equal(direct, settings is not null);
    }

    [Fact]
    public void From_MultiLineOrScopes_LeavesTheLinesToTheLogger()
    {
        var console = new ConsoleLoggerOptions { FormatterName = ConsoleFormatterNames.Simple };
        Assert.Null(RequestLogSettings.From(console, new SimpleConsoleFormatterOptions { SingleLine = false }, new(), true, _ => null));
        Assert.Null(RequestLogSettings.From(console, new SimpleConsoleFormatterOptions { SingleLine = true, IncludeScopes = true }, new(), true, _ => null));
        var json = new ConsoleLoggerOptions { FormatterName = ConsoleFormatterNames.Json };
        Assert.Null(RequestLogSettings.From(json, new(), new JsonConsoleFormatterOptions { IncludeScopes = true }, true, _ => null));
    }

    /// <summary>The gateway's console options (colours off, as on the redirected output the direct writer is for).</summary>
    private static ServiceProvider Container(bool json) => new ServiceCollection().AddLogging(logging =>
    {
        ConsoleLogs.Add(logging, json);
        logging.Services.Configure<SimpleConsoleFormatterOptions>(o => o.ColorBehavior = LoggerColorBehavior.Disabled);
    }).BuildServiceProvider();

    /// <summary>What the console formatter writes for <c>Log.Request</c>'s event (the generated state, the real formatter).</summary>
    private static string MicrosoftLine(ServiceProvider provider, string formatterName, RequestLine line)
    {
        var formatter = provider.GetServices<ConsoleFormatter>().Single(f => f.Name == formatterName);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        Log.Request(new FormatterLogger(formatter, text), line.Method, line.Path, line.Status, line.Model, line.Group, line.Deployment, line.Retries,
            line.Stream, line.DurationMs, line.OverheadMs, line.CallId);
        return text.ToString();
    }

    private static string WriteDirect(ServiceProvider provider, TimeProvider time, RequestLine line, out bool handled)
    {
        var settings = RequestLogSettings.From(provider.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue,
            provider.GetRequiredService<IOptionsMonitor<SimpleConsoleFormatterOptions>>().CurrentValue,
            provider.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue, outputRedirected: true, _ => null);
        Assert.NotNull(settings);
        using var stream = new MemoryStream();
        using (var output = new BufferedConsoleOutput(Console.Out, stream))
        {
            handled = new RequestLog(new FixedLevelLogger(enabled: true), Category, output, time, settings).TryWrite(line);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Hands each event to a console formatter, as the console logger does before queueing its line.</summary>
    private sealed class FormatterLogger(ConsoleFormatter formatter, TextWriter output) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter1) =>
            formatter.Write(new Microsoft.Extensions.Logging.Abstractions.LogEntry<TState>(logLevel, Category, eventId, state, exception, formatter1), null, output);
    }

    private sealed class FixedLevelLogger(bool enabled) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => enabled && logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            throw new InvalidOperationException("the direct writer never logs through its logger");
    }
}
