using System.Text;

namespace Switchboard.Observability;

/// <summary>
/// A byte buffer in front of a stream that takes both text (encoded to UTF-8 as it comes) and bytes already in UTF-8
/// (the request log line, <see cref="RequestLog"/>), in the order they are written; full, it goes to the stream. Not
/// thread-safe: <see cref="BufferedConsoleOutput"/> calls it under its lock.
/// </summary>
internal sealed class Utf8OutputBuffer : IDisposable
{
    private const int Size = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly Encoder _encoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();
    private readonly byte[] _buffer = new byte[Size];
    private int _count;

    public Utf8OutputBuffer(Stream stream, bool ownsStream)
    {
        _stream = stream;
        _ownsStream = ownsStream;
    }

    public void Write(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            // A high surrogate at the end of one write waits in the encoder for its low half in the next.
            if (Size - _count < 8)
            {
                Drain();
            }

            _encoder.Convert(text, _buffer.AsSpan(_count), flush: false, out var charsUsed, out var bytesUsed, out _);
            _count += bytesUsed;
            text = text[charsUsed..];
        }
    }

    public void WriteUtf8(ReadOnlySpan<byte> bytes)
    {
        // Text written before ends here: a lone high surrogate left in the encoder becomes U+FFFD, as a flush would make it.
        if (Size - _count < 8)
        {
            Drain();
        }

        _encoder.Convert([], _buffer.AsSpan(_count), flush: true, out _, out var pending, out _);
        _count += pending;
        if (bytes.Length > Size - _count)
        {
            Drain();
            if (bytes.Length > Size)
            {
                _stream.Write(bytes);
                return;
            }
        }

        bytes.CopyTo(_buffer.AsSpan(_count));
        _count += bytes.Length;
    }

    /// <summary>Everything buffered to the stream, and the stream flushed.</summary>
    public void Flush()
    {
        Drain();
        _stream.Flush();
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private void Drain()
    {
        if (_count > 0)
        {
            var count = _count;
            // Cleared first: a write that throws (a closed pipe) drops this batch rather than repeating it forever.
            _count = 0;
            _stream.Write(_buffer, 0, count);
        }
    }
}
