using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Switchboard.MockProvider;

/// <summary>Shared JSON writing state: one reusable buffer and writer per thread, so a non-stream answer allocates almost nothing.</summary>
internal static class MockJson
{
    // Relaxed escaping keeps quotes as \" (not \u0022) in tool arguments, as real providers send them.
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// A cleared writer over this thread's buffer. Finish writing and copy <paramref name="buffer"/>'s bytes out before any
    /// await: the next call on this thread reuses both.
    /// </summary>
    public static Utf8JsonWriter Rent(out ArrayBufferWriter<byte> buffer)
    {
        buffer = t_buffer ??= new ArrayBufferWriter<byte>(2048);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        return writer;
    }

    /// <summary>Bytes written on a private buffer: safe while this thread's <see cref="Rent"/> writer is in use (static initialisers).</summary>
    public static byte[] Build<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) write(writer, state);
        return buffer.WrittenSpan.ToArray();
    }
}
