using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Switchboard.Observability;

/// <summary>
/// The gateway's console log: one text line per event, or with <c>json_logs: true</c> one JSON object per line with the
/// same fields (<c>Timestamp</c>, <c>LogLevel</c>, <c>Category</c>, <c>EventId</c>, the formatted <c>Message</c>, and
/// under <c>State</c> every named field of the text line, e.g. the request line's <c>Status</c>, <c>Model</c>,
/// <c>Deployment</c>, <c>DurationMs</c>). Keys appear masked in both, as in every log line; prompts are never logged.
/// </summary>
internal static class ConsoleLogs
{
    public static void Add(ILoggingBuilder logging, bool json)
    {
        if (json)
        {
            logging.AddJsonConsole(console =>
            {
                console.IncludeScopes = false;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                console.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
            return;
        }

        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            console.UseUtcTimestamp = false;
        });
    }
}
