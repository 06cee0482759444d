namespace Switchboard.Upstream;

/// <summary>
/// A read-only view of an upstream body whose every read must complete within the idle timeout (<c>stream_idle_timeout</c>):
/// a stalled upstream ends with <see cref="StreamIdleTimeoutException"/> instead of holding the call until request_timeout.
/// One timer for the whole stream, re-armed per read (no allocation per read); the clock is the gateway's
/// <see cref="TimeProvider"/>, so tests can use a fake one.
/// </summary>
internal sealed class IdleTimeoutStream : Stream
{
    private readonly Stream _inner;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _time;
    private CancellationTokenSource _idle;
    private CancellationToken _linkedTo;
    private CancellationTokenRegistration _link;

    public IdleTimeoutStream(Stream inner, TimeSpan idleTimeout, TimeProvider time)
    {
        _inner = inner;
        _idleTimeout = idleTimeout;
        _time = time;
        _idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Arm(cancellationToken);
        try
        {
            return await _inner.ReadAsync(buffer, _idle.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && _idle.IsCancellationRequested
            && ex is OperationCanceledException or IOException)
        {
            throw new StreamIdleTimeoutException(_idleTimeout, ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        finally
        {
            _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("upstream bodies are read asynchronously");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Starts the timer for one read and makes the caller's token cancel it too (linked once per distinct token).</summary>
    private void Arm(CancellationToken ct)
    {
        if (_idle.IsCancellationRequested)
        {
            // The timer fired after the last read had already completed (or the caller cancelled): start afresh.
            _link.Dispose();
            _idle.Dispose();
            _idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            _linkedTo = default;
        }

        if (ct.CanBeCanceled && ct != _linkedTo)
        {
            _link.Dispose();
            _link = ct.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _idle);
            _linkedTo = ct;
        }

        _idle.CancelAfter(_idleTimeout);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _link.Dispose();
            _idle.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _link.DisposeAsync();
        _idle.Dispose();
        await _inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
