using System.IO.Pipelines;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Upstream;

namespace Switchboard.Tests.Upstream;

public sealed class IdleTimeoutStreamTests
{
    [Fact]
    public async Task ReadAsync_NothingWithinIdleTimeout_StreamIdleTimeoutException()
    {
        var clock = new FakeTimeProvider();
        var pipe = new Pipe();
        await using var stream = new IdleTimeoutStream(pipe.Reader.AsStream(), TimeSpan.FromSeconds(120), clock);

        var read = stream.ReadAsync(new byte[16]).AsTask();
        clock.Advance(TimeSpan.FromSeconds(119));
        await Task.Delay(20);
        Assert.False(read.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));

        var ex = await Assert.ThrowsAsync<StreamIdleTimeoutException>(() => read);
        Assert.Equal(TimeSpan.FromSeconds(120), ex.IdleTimeout);
    }

    [Fact]
    public async Task ReadAsync_ChunksCloserThanTimeout_AllReadEvenIfTotalIsLonger()
    {
        var clock = new FakeTimeProvider();
        var pipe = new Pipe();
        await using var stream = new IdleTimeoutStream(pipe.Reader.AsStream(), TimeSpan.FromSeconds(10), clock);
        var buffer = new byte[16];

        for (var i = 0; i < 5; i++)
        {
            var read = stream.ReadAsync(buffer).AsTask();
            clock.Advance(TimeSpan.FromSeconds(8));
            await pipe.Writer.WriteAsync(new byte[] { (byte)i });
            Assert.Equal(1, await read);
            Assert.Equal(i, buffer[0]);
        }

        // A slow consumer between reads is not an idle upstream: the timer only runs while a read waits.
        clock.Advance(TimeSpan.FromSeconds(60));
        await pipe.Writer.WriteAsync(new byte[] { 9 });
        Assert.Equal(1, await stream.ReadAsync(buffer));
    }

    [Fact]
    public async Task ReadAsync_CallerCancels_OperationCanceledNotIdle()
    {
        var clock = new FakeTimeProvider();
        var pipe = new Pipe();
        await using var stream = new IdleTimeoutStream(pipe.Reader.AsStream(), TimeSpan.FromSeconds(10), clock);
        using var cts = new CancellationTokenSource();

        var read = stream.ReadAsync(new byte[16], cts.Token).AsTask();
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        Assert.Equal(cts.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task ReadAsync_EndOfStream_ReturnsZero()
    {
        var pipe = new Pipe();
        await using var stream = new IdleTimeoutStream(pipe.Reader.AsStream(), TimeSpan.FromSeconds(10), new FakeTimeProvider());
        await pipe.Writer.CompleteAsync();

        Assert.Equal(0, await stream.ReadAsync(new byte[16]));
    }
}
