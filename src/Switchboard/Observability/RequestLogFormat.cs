using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Switchboard.Observability;

/// <summary>
/// The request log line in UTF-8, byte for byte as the console logger's simple (single-line) and JSON formatters write
/// the <c>[LoggerMessage]</c> event with <see cref="Template"/>: the message once, no string on the way.
/// </summary>
internal static class RequestLogFormat
{
    /// <summary>The message template of the request line (<c>Log.Request</c>; the JSON state's <c>{OriginalFormat}</c>).</summary>
    public const string Template = "{Method} {Path} {Status} model={Model} group={Group} deployment={Deployment} retries={Retries} stream={Stream} duration_ms={DurationMs:0.0} overhead_ms={OverheadMs:0.00} call_id={CallId}";

    public const int EventId = 100;

    private static readonly byte[] NewLine = Encoding.UTF8.GetBytes(Environment.NewLine);

    /// <summary>
    /// The formatted message, as the generated logger formats it (invariant culture, null as nothing, <c>True</c>/<c>False</c>).
    /// False when <paramref name="destination"/> is too small.
    /// </summary>
    public static bool TryWriteMessage(Span<byte> destination, in RequestLine line, out int written) =>
        Utf8.TryWrite(destination, CultureInfo.InvariantCulture,
            $"{line.Method} {line.Path} {line.Status} model={line.Model} group={line.Group} deployment={line.Deployment} retries={line.Retries} stream={(line.Stream ? "True" : "False")} duration_ms={line.DurationMs:0.0} overhead_ms={line.OverheadMs:0.00} call_id={line.CallId}",
            out written);

    /// <summary>
    /// The simple console formatter's single line: <c>[timestamp]info: Category[100] message</c> and a new line, the
    /// message's own line breaks turned into spaces. <paramref name="timestampFormat"/> null writes no timestamp.
    /// </summary>
    public static bool TryWriteText(Span<byte> destination, DateTimeOffset stamp, string? timestampFormat, ReadOnlySpan<byte> category,
        in RequestLine line, out int written)
    {
        written = 0;
        var used = 0;
        // The formatter's ToString(format): the current culture (':' is its time separator), as the console writes it.
        if (timestampFormat is not null && !RequestLogStamp.TryFormat(stamp, timestampFormat, destination, out used))
        {
            return false;
        }

        var rest = destination[used..];
        if (!"info: "u8.TryCopyTo(rest) || !category.TryCopyTo(rest[6..]))
        {
            return false;
        }

        var at = used + 6 + category.Length;
        if (!"[100] "u8.TryCopyTo(destination[at..]))
        {
            return false;
        }

        at += 6;
        if (!TryWriteMessage(destination[at..], line, out var message) || !NewLine.AsSpan().TryCopyTo(destination[(at + message)..]))
        {
            return false;
        }

        SingleLine(destination.Slice(at, message));
        written = at + message + NewLine.Length;
        return true;
    }

    /// <summary>The JSON console formatter's object for the event (no scopes), then a new line.</summary>
    public static void WriteJson(Utf8JsonWriter writer, JsonNames names, ReadOnlySpan<byte> timestamp, bool withTimestamp, ReadOnlySpan<byte> message,
        in RequestLine line)
    {
        writer.WriteStartObject();
        if (withTimestamp)
        {
            writer.WriteString(names.Timestamp, timestamp);
        }

        writer.WriteNumber(names.EventId, EventId);
        writer.WriteString(names.LogLevel, names.Information);
        writer.WriteString(names.Category, names.CategoryValue);
        writer.WriteString(names.Message, message);
        writer.WriteStartObject(names.State);
        writer.WriteString(names.Method, line.Method);
        writer.WriteString(names.Path, line.Path);
        writer.WriteNumber(names.Status, line.Status);
        WriteStringOrNull(writer, names.Model, line.Model);
        WriteStringOrNull(writer, names.Group, line.Group);
        WriteStringOrNull(writer, names.Deployment, line.Deployment);
        writer.WriteNumber(names.Retries, line.Retries);
        writer.WriteBoolean(names.Stream, line.Stream);
        writer.WriteNumber(names.DurationMs, line.DurationMs);
        writer.WriteNumber(names.OverheadMs, line.OverheadMs);
        writer.WriteString(names.CallId, line.CallId);
        writer.WriteString(names.OriginalFormat, names.TemplateValue);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
    }

    public static ReadOnlySpan<byte> LineEnd => NewLine;

    private static void WriteStringOrNull(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    // The formatter replaces Environment.NewLine with a space; RequestLogSettings only enables this writer where it is "\n".
    private static void SingleLine(Span<byte> message) => message.Replace((byte)'\n', (byte)' ');

    /// <summary>The property names and fixed values, escaped once with the formatter's encoder.</summary>
    internal sealed class JsonNames(string category, JsonWriterOptions options)
    {
        public JsonEncodedText Timestamp { get; } = JsonEncodedText.Encode("Timestamp", options.Encoder);
        public JsonEncodedText EventId { get; } = JsonEncodedText.Encode("EventId", options.Encoder);
        public JsonEncodedText LogLevel { get; } = JsonEncodedText.Encode("LogLevel", options.Encoder);
        public JsonEncodedText Information { get; } = JsonEncodedText.Encode("Information", options.Encoder);
        public JsonEncodedText Category { get; } = JsonEncodedText.Encode("Category", options.Encoder);
        public JsonEncodedText CategoryValue { get; } = JsonEncodedText.Encode(category, options.Encoder);
        public JsonEncodedText Message { get; } = JsonEncodedText.Encode("Message", options.Encoder);
        public JsonEncodedText State { get; } = JsonEncodedText.Encode("State", options.Encoder);
        public JsonEncodedText Method { get; } = JsonEncodedText.Encode("Method", options.Encoder);
        public JsonEncodedText Path { get; } = JsonEncodedText.Encode("Path", options.Encoder);
        public JsonEncodedText Status { get; } = JsonEncodedText.Encode("Status", options.Encoder);
        public JsonEncodedText Model { get; } = JsonEncodedText.Encode("Model", options.Encoder);
        public JsonEncodedText Group { get; } = JsonEncodedText.Encode("Group", options.Encoder);
        public JsonEncodedText Deployment { get; } = JsonEncodedText.Encode("Deployment", options.Encoder);
        public JsonEncodedText Retries { get; } = JsonEncodedText.Encode("Retries", options.Encoder);
        public JsonEncodedText Stream { get; } = JsonEncodedText.Encode("Stream", options.Encoder);
        public JsonEncodedText DurationMs { get; } = JsonEncodedText.Encode("DurationMs", options.Encoder);
        public JsonEncodedText OverheadMs { get; } = JsonEncodedText.Encode("OverheadMs", options.Encoder);
        public JsonEncodedText CallId { get; } = JsonEncodedText.Encode("CallId", options.Encoder);
        public JsonEncodedText OriginalFormat { get; } = JsonEncodedText.Encode("{OriginalFormat}", options.Encoder);
        public JsonEncodedText TemplateValue { get; } = JsonEncodedText.Encode(Template, options.Encoder);
    }
}
