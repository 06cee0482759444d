using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Switchboard.Protocols.Anthropic;

namespace Switchboard.Translation;

/// <summary>Writes whole SSE events straight into the response buffer through one reused <see cref="Utf8JsonWriter"/>.</summary>
[SuppressMessage("Design", "CA1001", Justification = "A Utf8JsonWriter over a buffer writer holds no resource; disposing only flushes.")]
internal sealed class SseEventWriter
{
    private readonly Utf8JsonWriter _json = new(new ArrayBufferWriter<byte>(1), JsonWriting.Options);
    private IBufferWriter<byte>? _output;

    /// <summary>Starts <c>event: name\ndata: </c> and returns the writer for the JSON payload; finish with <see cref="End"/>.</summary>
    public Utf8JsonWriter Begin(IBufferWriter<byte> output, ReadOnlySpan<byte> eventName)
    {
        output.Write("event: "u8);
        output.Write(eventName);
        output.Write("\ndata: "u8);
        return Reset(output);
    }

    /// <summary>Starts an unnamed <c>data: </c> event (OpenAI style).</summary>
    public Utf8JsonWriter BeginData(IBufferWriter<byte> output)
    {
        output.Write("data: "u8);
        return Reset(output);
    }

    public void End()
    {
        _json.Flush();
        _output!.Write("\n\n"u8);
        _output = null;
    }

    private Utf8JsonWriter Reset(IBufferWriter<byte> output)
    {
        _output = output;
        _json.Reset(output);
        return _json;
    }
}
