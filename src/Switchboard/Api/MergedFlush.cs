using System.IO.Pipelines;

namespace Switchboard.Api;

/// <summary>
/// The stream relays' flush rule (docs/architecture.md, decision 3): what the relay wrote (the headers, the events of
/// the last upstream read) leaves before the next upstream read only if that read has to wait. When the upstream's next
/// bytes are already here (a fast upstream, or a relay running behind under load) they are written after it and both
/// leave in one flush: one send and one client wake-up instead of two, and never an event held while the relay waits.
/// At most <see cref="MaxMergedReads"/> reads share a flush, so a relay that never waits still sends as it goes.
/// </summary>
internal struct MergedFlush
{
    /// <summary>Reads whose output may leave in one flush (16 reads of at most 16 KiB each).</summary>
    public const int MaxMergedReads = 16;

    private int _reads;

    /// <summary>
    /// Whether what was written must leave now, before a read that is <paramref name="readReady"/> (completed at once)
    /// or not; true for every read that has to wait, and for every <see cref="MaxMergedReads"/>th ready one.
    /// </summary>
    public bool Due(bool readReady)
    {
        if (readReady && ++_reads < MaxMergedReads)
        {
            return false;
        }

        _reads = 0;
        return true;
    }

    /// <summary>
    /// The next read of a relay that reads the upstream as a <see cref="Stream"/> (<see cref="SseRelay.ReadIntoAsync"/>),
    /// with what was written flushed first when <see cref="Due"/> says so. No state machine of its own unless the flush
    /// has to wait (backpressure). A client gone raises <see cref="ClientGoneException"/>; the read then stays pending
    /// with the upstream response, which the attempt loop disposes (and so cancels): safe, because the read waits
    /// without a buffer and rents one only for its copy.
    /// </summary>
    public ValueTask<int> ReadIntoAsync(Stream upstream, Protocols.OpenAi.SseParser parser, PipeWriter output, CancellationToken ct)
    {
        var read = SseRelay.ReadIntoAsync(upstream, parser, ct);
        if (!Due(read.IsCompleted))
        {
            return read;
        }

        var flushing = Answer.FlushToClientAsync(output, ct);
        return flushing.IsCompletedSuccessfully ? read : FlushThenReadAsync(flushing, read);

        static async ValueTask<int> FlushThenReadAsync(ValueTask flushing, ValueTask<int> read)
        {
            await flushing;
            return await read;
        }
    }

    /// <summary>
    /// For a relay that reads through a <see cref="PipeReader"/>: flushes to the client; false when the client is gone or
    /// <paramref name="ct"/> was cancelled during the flush, in which case the caller ends with <see cref="AbandonAsync"/>.
    /// </summary>
    public static async ValueTask<bool> TryFlushAsync(PipeWriter output, CancellationToken ct)
    {
        try
        {
            return await Answer.TryFlushToClientAsync(output, ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>Cancels and awaits <paramref name="reader"/>'s pending <paramref name="read"/>, so that the reader may be completed at once.</summary>
    public static async ValueTask AbandonAsync(PipeReader reader, ValueTask<ReadResult> read)
    {
        reader.CancelPendingRead();
        try
        {
            await read;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }
    }
}
