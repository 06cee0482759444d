using System.Buffers;

namespace Switchboard.Cache;

/// <summary>
/// Passes an answer on to the client unchanged and keeps a copy of it (up to <see cref="CacheOptions.MaxEntryBytes"/>)
/// for the cache. Installed as the response body only for calls whose answer is to be stored.
/// </summary>
internal sealed class CaptureStream(Stream inner) : Stream
{
    private readonly ArrayBufferWriter<byte> _copy = new();

    /// <summary>The answer outgrew the cap: it is relayed but not stored.</summary>
    public bool Overflowed { get; private set; }

    public Stream Inner => inner;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>A copy of what was written.</summary>
    public byte[] ToArray() => _copy.WrittenSpan.ToArray();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Keep(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Keep(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Keep(ReadOnlySpan<byte> data)
    {
        if (Overflowed)
        {
            return;
        }

        if (_copy.WrittenCount + data.Length > CacheOptions.MaxEntryBytes)
        {
            Overflowed = true;
            _copy.ResetWrittenCount();
            return;
        }

        _copy.Write(data);
    }
}
