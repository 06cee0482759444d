using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Switchboard.Observability;

/// <summary>
/// How the console logger would write the request line, when <see cref="RequestLogFormat"/> writes it the same:
/// the simple formatter on one line without colours or scopes, or the JSON formatter without scopes, to standard output.
/// </summary>
internal sealed class RequestLogSettings
{
    private RequestLogSettings(bool json, string? timestampFormat, bool utcTimestamp, JsonWriterOptions jsonOptions)
    {
        Json = json;
        TimestampFormat = timestampFormat;
        UtcTimestamp = utcTimestamp;
        JsonOptions = jsonOptions;
    }

    public bool Json { get; }

    public string? TimestampFormat { get; }

    public bool UtcTimestamp { get; }

    public JsonWriterOptions JsonOptions { get; }

    public static RequestLogSettings Text(string? timestampFormat, bool utcTimestamp) => new(false, timestampFormat, utcTimestamp, default);

    public static RequestLogSettings JsonLines(string? timestampFormat, bool utcTimestamp, JsonWriterOptions options) =>
        new(true, timestampFormat, utcTimestamp, options);

    /// <summary>The settings for the console logger's current options; null when its line would differ (the logger writes it).</summary>
    public static RequestLogSettings? From(ConsoleLoggerOptions console, SimpleConsoleFormatterOptions simple, JsonConsoleFormatterOptions json,
        bool outputRedirected, Func<string, string?> env)
    {
        // Information at or past the threshold goes to standard error; a Windows line break is two characters to replace.
        if (console.LogToStandardErrorThreshold <= LogLevel.Information || Environment.NewLine != "\n")
        {
            return null;
        }

        if (string.Equals(console.FormatterName, ConsoleFormatterNames.Simple, StringComparison.OrdinalIgnoreCase))
        {
            return simple.SingleLine && !simple.IncludeScopes && !Colours(simple.ColorBehavior, outputRedirected, env)
                ? Text(simple.TimestampFormat, simple.UseUtcTimestamp)
                : null;
        }

        if (string.Equals(console.FormatterName, ConsoleFormatterNames.Json, StringComparison.OrdinalIgnoreCase))
        {
            return json.IncludeScopes || json.JsonWriterOptions.Indented ? null : JsonLines(json.TimestampFormat, json.UseUtcTimestamp, json.JsonWriterOptions);
        }

        return null;
    }

    // The console's rule for LoggerColorBehavior.Default: colours on a terminal, or redirected when the runtime is told to.
    private static bool Colours(LoggerColorBehavior behavior, bool outputRedirected, Func<string, string?> env) => behavior switch
    {
        LoggerColorBehavior.Disabled => false,
        LoggerColorBehavior.Enabled => true,
        _ => !outputRedirected || env("DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION") is { } allow
            && (allow == "1" || allow.Equals("true", StringComparison.OrdinalIgnoreCase)),
    };
}
