using System.Text;
using Switchboard.Upstream;

namespace Switchboard.Tests.Upstream;

/// <summary>
/// The checked answer's buffer: read once, kept in a pooled array that the response owns until it is disposed; a caller
/// that keeps the bytes gets its own copy.
/// </summary>
public sealed class UpstreamResponseTests
{
    private static readonly byte[] Answer = Encoding.UTF8.GetBytes("""{"id":"c","object":"chat.completion","choices":[]}""");

    [Fact]
    public async Task BufferAsync_TwiceThenBuffered_SameBytesReadOnce()
    {
        var body = new CountingStream(Answer);
        await using var response = new UpstreamResponse(200, body);

        var checkedBody = await response.BufferAsync(1 << 20, CancellationToken.None);
        var reads = body.Reads;
        var relayed = await response.BufferAsync(1 << 20, CancellationToken.None);

        Assert.Equal(Answer, checkedBody.ToArray());
        Assert.Equal(Answer, relayed.ToArray());
        Assert.Equal(Answer, response.Buffered.ToArray());
        Assert.Equal(reads, body.Reads);
    }

    [Fact]
    public async Task ReadAllAsync_AfterBufferAsync_AnArrayOfItsOwnThatOutlivesTheResponse()
    {
        var response = new UpstreamResponse(200, new MemoryStream(Answer));
        await response.BufferAsync(1 << 20, CancellationToken.None);

        var kept = await response.ReadAllAsync(1 << 20, CancellationToken.None);
        await response.DisposeAsync();

        Assert.Equal(Answer, kept);
        Assert.True(response.Buffered.IsEmpty);
    }

    [Fact]
    public async Task DisposeAsync_Twice_ReturnsTheBufferOnce()
    {
        var response = new UpstreamResponse(200, new MemoryStream(Answer));
        await response.BufferAsync(1 << 20, CancellationToken.None);

        await response.DisposeAsync();
        await response.DisposeAsync();

        // Returned twice, the pool would hand the same array to two renters.
        var a = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        var b = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        Assert.NotSame(a, b);
        System.Buffers.ArrayPool<byte>.Shared.Return(a);
        System.Buffers.ArrayPool<byte>.Shared.Return(b);
    }

    [Fact]
    public async Task BufferAsync_BodyLargerThanTheFirstRental_WholeBody()
    {
        var large = new byte[40 * 1024 + 7];
        Random.Shared.NextBytes(large);
        await using var response = new UpstreamResponse(200, new CountingStream(large));

        var read = await response.BufferAsync(1 << 20, CancellationToken.None);

        Assert.Equal(large, read.ToArray());
        Assert.Equal(large, await response.ReadAllAsync(1 << 20, CancellationToken.None));
    }

    [Fact]
    public async Task BufferAsync_BodyOverTheLimit_InvalidData()
    {
        await using var response = new UpstreamResponse(200, new MemoryStream(Answer));

        await Assert.ThrowsAsync<InvalidDataException>(async () => await response.BufferAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task ReadAllAsync_NotBuffered_ExactBytes()
    {
        await using var response = new UpstreamResponse(502, new CountingStream(Answer));

        Assert.Equal(Answer, await response.ReadAllAsync(1 << 20, CancellationToken.None));
        Assert.True(response.Buffered.IsEmpty);
    }

    /// <summary>A body that arrives in small reads, counted.</summary>
    private sealed class CountingStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public int Reads { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            return base.ReadAsync(buffer[..Math.Min(buffer.Length, 1000)], cancellationToken);
        }
    }
}
