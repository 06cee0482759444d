using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using Switchboard.Observability;

namespace Switchboard.Protocols.OpenAi;

/// <summary>
/// Incremental server-sent-events parser for both protocols: bytes go in as they arrive, split anywhere (inside a line,
/// between CR and LF, inside a multi-byte character); whole events come out. Works on bytes, so nothing is decoded early.
/// </summary>
/// <remarks>
/// Its buffers (the unparsed bytes, 4 KiB to start with, and the event's data, 1 KiB) are rented from the shared
/// <see cref="ArrayPool{T}"/> when bytes arrive and handed back as soon as nothing incomplete is left in them, i.e. after
/// the last whole event of a read has been taken: a stream waiting for its next upstream read (most of its life) holds
/// neither (docs/benchmarks.md, "Memory per stream"). An event's <see cref="SseEvent.Data"/> is valid until the next call
/// of <see cref="TryRead"/> or <see cref="TryReadFinal"/>, as before. A parser dropped mid-event (a failed stream) leaves
/// its buffers to the GC, which the pool allows.
/// </remarks>
/// <param name="maxEventBytes">The largest event accepted (<c>general_settings.max_sse_event_bytes</c>): an upstream that
/// sends more without ending the event gets an <see cref="InvalidDataException"/> (an upstream failure) instead of an
/// ever-growing buffer.</param>
/// <param name="secrets">Masks configured keys in events that carry an error (an upstream's error text may echo the
/// key it was sent: architecture decision 8). Other events are not searched: an upstream has no reason to put its key there.</param>
internal sealed class SseParser(int maxEventBytes = SseParser.DefaultMaxEventBytes, SecretRedactor? secrets = null)
{
    /// <summary>The largest single event accepted when nothing else is configured (<c>max_sse_event_bytes</c>): 16 MiB.</summary>
    public const int DefaultMaxEventBytes = 16 * 1024 * 1024;

    private static readonly string[] KnownNames =
    [
        "message_start", "content_block_start", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop", "ping", "error",
    ];

    private const int FirstBufferSize = 4096;
    private const int FirstDataSize = 1024;

    private byte[]? _buffer;
    private byte[]? _data;
    private int _dataLength;
    private int _start;
    private int _end;
    private string? _name;
    private bool _hasData;
    private bool _dispatched;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        _buffer ??= ArrayPool<byte>.Shared.Rent(Math.Max(FirstBufferSize, bytes.Length));
        if (_end + bytes.Length > _buffer.Length)
        {
            var pending = _end - _start;
            if (pending + bytes.Length > _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, pending + bytes.Length));
                _buffer.AsSpan(_start, pending).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            else
            {
                _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            }

            _start = 0;
            _end = pending;
        }

        bytes.CopyTo(_buffer.AsSpan(_end));
        _end += bytes.Length;
    }

    public void Append(in ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            Append(segment.Span);
        }
    }

    /// <summary>Reads the next complete event, if the bytes appended so far hold one.</summary>
    public bool TryRead(out SseEvent sseEvent) => TryReadCore(endOfInput: false, out sseEvent);

    /// <summary>After the last <see cref="Append(ReadOnlySpan{byte})"/>: also yields an event the stream ended without a blank line after.</summary>
    public bool TryReadFinal(out SseEvent sseEvent) => TryReadCore(endOfInput: true, out sseEvent);

    public static async IAsyncEnumerable<SseEvent> ReadAllAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parser = new SseParser();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                parser.Append(buffer.AsSpan(0, read));
                while (parser.TryRead(out var sseEvent))
                {
                    yield return sseEvent;
                }
            }

            while (parser.TryReadFinal(out var sseEvent))
            {
                yield return sseEvent;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static async IAsyncEnumerable<SseEvent> ReadAllAsync(PipeReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parser = new SseParser();
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            parser.Append(result.Buffer);
            reader.AdvanceTo(result.Buffer.End);
            while (parser.TryRead(out var sseEvent))
            {
                yield return sseEvent;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        while (parser.TryReadFinal(out var sseEvent))
        {
            yield return sseEvent;
        }
    }

    private bool TryReadCore(bool endOfInput, out SseEvent sseEvent)
    {
        if (_dispatched)
        {
            _dataLength = 0;
            _name = null;
            _hasData = false;
            _dispatched = false;
        }

        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var lineEnd = span.IndexOfAny((byte)'\r', (byte)'\n');
            int consumed;
            ReadOnlySpan<byte> line;
            if (lineEnd < 0)
            {
                if (!endOfInput)
                {
                    ThrowIfTooLarge(span.Length);
                    ReleaseIfDrained();
                    sseEvent = default;
                    return false;
                }

                if (span.IsEmpty)
                {
                    if (Dispatch(out sseEvent))
                    {
                        return true;
                    }

                    ReleaseIfDrained();
                    return false;
                }

                line = span;
                consumed = span.Length;
            }
            else if (span[lineEnd] == (byte)'\r')
            {
                if (lineEnd + 1 < span.Length)
                {
                    consumed = lineEnd + (span[lineEnd + 1] == (byte)'\n' ? 2 : 1);
                }
                else if (endOfInput)
                {
                    consumed = lineEnd + 1;
                }
                else
                {
                    // The LF of a CRLF may still be on its way.
                    sseEvent = default;
                    return false;
                }

                line = span[..lineEnd];
            }
            else
            {
                consumed = lineEnd + 1;
                line = span[..lineEnd];
            }

            _start += consumed;
            if (line.IsEmpty)
            {
                if (Dispatch(out sseEvent))
                {
                    return true;
                }

                continue;
            }

            ProcessLine(line);
        }
    }

    private bool Dispatch(out SseEvent sseEvent)
    {
        if (!_hasData)
        {
            _name = null;
            sseEvent = default;
            return false;
        }

        ReadOnlyMemory<byte> data = _data.AsMemory(0, _dataLength);
        if (secrets is { Count: > 0 } && (_name == "error" || data.Span.IndexOf("error"u8) >= 0))
        {
            data = secrets.RedactUtf8(data);
        }

        sseEvent = new SseEvent(_name, data);
        _dispatched = true;
        return true;
    }

    /// <summary>The event being read (its data so far plus its unfinished line) must stay within the cap.</summary>
    private void ThrowIfTooLarge(int pendingLine)
    {
        if ((long)_dataLength + pendingLine > maxEventBytes)
        {
            throw new InvalidDataException(
                $"an upstream server-sent event is larger than {maxEventBytes} bytes (general_settings.max_sse_event_bytes)");
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("\uFEFF"u8))
        {
            line = line[3..];
        }

        if (line.IsEmpty || line[0] == (byte)':')
        {
            return;
        }

        var colon = line.IndexOf((byte)':');
        var field = colon < 0 ? line : line[..colon];
        var value = colon < 0 ? [] : line[(colon + 1)..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        if (field.SequenceEqual("data"u8))
        {
            if (_hasData)
            {
                WriteData("\n"u8);
            }

            WriteData(value);
            _hasData = true;
            ThrowIfTooLarge(0);
        }
        else if (field.SequenceEqual("event"u8))
        {
            _name = NameOf(value);
        }
    }

    private void WriteData(ReadOnlySpan<byte> bytes)
    {
        if (_data is null || _dataLength + bytes.Length > _data.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(FirstDataSize, (_data?.Length ?? 0) * 2), _dataLength + bytes.Length));
            if (_data is not null)
            {
                _data.AsSpan(0, _dataLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_data);
            }

            _data = bigger;
        }

        bytes.CopyTo(_data.AsSpan(_dataLength));
        _dataLength += bytes.Length;
    }

    /// <summary>Nothing unread and no event half-read: both buffers go back to the pool until bytes arrive again.</summary>
    private void ReleaseIfDrained()
    {
        if (_start != _end || _hasData)
        {
            return;
        }

        _start = 0;
        _end = 0;
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        if (_data is not null)
        {
            ArrayPool<byte>.Shared.Return(_data);
            _data = null;
            _dataLength = 0;
        }
    }

    /// <summary>Whether the parser holds pooled buffers now (a test's view).</summary>
    internal bool HoldsBuffers => _buffer is not null || _data is not null;

    private static string NameOf(ReadOnlySpan<byte> value)
    {
        foreach (var known in KnownNames)
        {
            if (value.Length == known.Length && Ascii.Equals(value, known))
            {
                return known;
            }
        }

        return Encoding.UTF8.GetString(value);
    }
}
