using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Switchboard.Api;
using Switchboard.Usage;

namespace Switchboard.Tests.Api;

public sealed class SseRelayTests
{
    [Fact]
    public void TryReadEvent_UnfinishedEventPastTheCap_Throws()
    {
        var buffer = new ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes("data: " + new string('a', 5000)));

        Assert.Throws<InvalidDataException>(() => SseRelay.TryReadEvent(ref buffer, out _, maxEventBytes: 4096));
    }

    [Fact]
    public void TryReadEvent_UnfinishedEventUnderTheCap_WaitsForMore()
    {
        var buffer = new ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes("data: done\n\ndata: " + new string('a', 3000)));

        Assert.True(SseRelay.TryReadEvent(ref buffer, out _, maxEventBytes: 4096));
        Assert.False(SseRelay.TryReadEvent(ref buffer, out _, maxEventBytes: 4096));
    }

    [Fact]
    public async Task RelayOpenAiAsync_EventLongerThanASegmentInSmallReads_RelaysItWhole()
    {
        // One event of ~10 KB (more than two of the relay's 4 KiB segments) arriving 100 bytes per read, then [DONE].
        var content = string.Concat(Enumerable.Range(0, 1000).Select(i => $"w{i:D4} "));
        var longEvent = $"data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{content}\"}}}}]}}\n\n";
        var upstreamText = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n" + longEvent + "data: [DONE]\n\n";
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(upstreamText), Enumerable.Repeat(100, upstreamText.Length / 100 + 1).ToArray());
        var (http, body) = NewResponse();

        var result = await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.True(result.Completed);
        Assert.Equal(upstreamText, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task RelayOpenAiAsync_WaitingForTheNextEvent_ReadsWithAnEmptyBufferFirst()
    {
        // Between events a stream holds no buffer: the relay asks the upstream with a zero-byte read (which waits for data)
        // before it rents a segment to read into (docs/benchmarks.md, memory per stream). Each read here ends at an event's end,
        // as when an upstream flushes event by event.
        string[] events = ["data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n", "data: {\"choices\":[]}\n\n", "data: [DONE]\n\n"];
        var upstreamText = string.Concat(events);
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(upstreamText), events.Select(e => e.Length).ToArray());
        var (http, body) = NewResponse();

        await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.Equal(upstreamText, Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal(events.Length + 1, upstream.ReadSizes.Count(size => size > 0)); // one per event, one that sees the end
        for (var i = 0; i < upstream.ReadSizes.Count; i++)
        {
            if (upstream.ReadSizes[i] > 0)
            {
                Assert.True(i > 0 && upstream.ReadSizes[i - 1] == 0, $"read {i} of {upstream.ReadSizes[i]} bytes came without a zero-byte read before it");
            }
        }
    }

    [Fact]
    public async Task RelayOpenAiAsync_FirstEventAlreadyThere_NoFlushBeforeIt()
    {
        // The upstream sent its first events with its headers (every read completes at once): the client's headers, written
        // but not flushed by Answer.BeginEventStreamAsync, leave with those events in one flush, not in a flush of their own.
        string[] events = ["data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n", "data: [DONE]\n\n"];
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(string.Concat(events)), events.Select(e => e.Length).ToArray());
        var (http, client) = NewRecordedResponse();
        http.Response.BodyWriter.Write("headers"u8); // stands in for the headers Kestrel writes into the same pipe

        await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.Equal(["headers" + events[0] + events[1]], client.Flushed);
    }

    [Fact]
    public async Task RelayOpenAiAsync_FirstEventNotThereYet_FlushesTheHeadersBeforeWaiting()
    {
        // An upstream that sends its headers at once and its first token later (a thinking model): the client must not
        // wait for the first token to see the answer start, so the relay flushes before it waits for the first read.
        var first = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var upstream = new LateStream(first.Task, "data: [DONE]\n\n"u8.ToArray());
        var (http, client) = NewRecordedResponse();
        http.Response.BodyWriter.Write("headers"u8); // stands in for the headers Kestrel writes into the same pipe

        var relay = SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);
        await upstream.Waiting.WaitAsync(TimeSpan.FromSeconds(30));
        for (var deadline = DateTime.UtcNow.AddSeconds(30); client.FlushCount == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(10);
        }

        Assert.Equal(["headers"], client.Flushed);
        first.SetResult("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"u8.ToArray());
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.Completed);
        Assert.Equal(["headers", "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n"], client.Flushed);
    }

    [Fact]
    public async Task RelayOpenAiAsync_NextEventsAlreadyThere_LeaveWithTheEventsBeforeThem()
    {
        // Events the upstream has already sent when the relay comes to read them (a fast upstream, or a relay running behind
        // under load) leave with the ones before them: one flush (one send, one client wake-up) per wait, not per read.
        string[] events = [.. Enumerable.Range(0, 5).Select(i => $"data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{i}\"}}}}]}}\n\n"), "data: [DONE]\n\n"];
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(string.Concat(events)), events.Select(e => e.Length).ToArray());
        var (http, client) = NewRecordedResponse();

        await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.Equal([string.Concat(events)], client.Flushed);
        Assert.True(upstream.ReadSizes.Count(size => size > 0) >= events.Length, "one read per event");
    }

    [Fact]
    public async Task RelayOpenAiAsync_UpstreamNeverWaits_StillFlushesEvery16Reads()
    {
        // An upstream that is always ahead must not make the relay hold its output until the end: at most
        // MergedFlush.MaxMergedReads reads share a flush.
        var chunk = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";
        string[] events = [.. Enumerable.Repeat(chunk, 40), "data: [DONE]\n\n"];
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(string.Concat(events)), events.Select(e => e.Length).ToArray());
        var (http, client) = NewRecordedResponse();

        await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.Equal(string.Concat(events), string.Concat(client.Flushed));
        Assert.InRange(client.Flushed.Count, 3, 4);
        Assert.All(client.Flushed.SkipLast(1), sent => Assert.InRange(sent.Length, chunk.Length, MergedFlush.MaxMergedReads * chunk.Length));
    }

    [Theory]
    [InlineData("data: {\"error\":{\"message\":\"busy\",\"code\":\"1302\"}}\n\n")]
    [InlineData("data: { \"error\" : {\"message\": \"busy\", \"code\": \"1302\"}}\n\n")]
    [InlineData("data:{\t\"error\":{\"message\":\"busy\"}}\r\n\r\n")]
    public async Task RelayOpenAiAsync_ErrorChunkThenDone_RelaysItAndReportsAFailure(string errorEvent)
    {
        // An upstream that reports its failure in the stream (Z.ai 1302, an overloaded OpenAI) and still ends with [DONE]:
        // the client gets the upstream's error chunk as sent, and the attempt is the deployment's failure (architecture decision 10).
        var upstreamText = FirstOpenAiChunk + errorEvent + "data: [DONE]\n\n";
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(upstreamText), [upstreamText.Length]);
        var (http, body) = NewResponse();

        var result = await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.False(result.Completed);
        Assert.Null(result.ClientGone);
        Assert.Equal(upstreamText, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task RelayOpenAiAsync_ErrorChunkThenEnd_ReportsAFailureWithoutAnErrorOfItsOwn()
    {
        // The upstream's error chunk already told the client; the relay returns the failure instead of throwing, so the
        // attempt loop appends no second error chunk.
        var upstreamText = FirstOpenAiChunk + "data: {\"error\":{\"message\":\"overloaded\"}}\n\n";
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(upstreamText), [upstreamText.Length]);
        var (http, body) = NewResponse();

        var result = await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.False(result.Completed);
        Assert.Equal(upstreamText, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Theory]
    [InlineData("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"{\\\"error\\\":1}\"}}]}\n\n")]
    [InlineData("data: {\"id\":\"x\",\"error\":null,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n")]
    [InlineData("data: [\"error\"]\n\n")]
    public async Task RelayOpenAiAsync_ChunkThatOnlyMentionsError_StillCompleted(string chunk)
    {
        var upstreamText = FirstOpenAiChunk + chunk + "data: [DONE]\n\n";
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(upstreamText), [upstreamText.Length]);
        var (http, body) = NewResponse();

        var result = await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.True(result.Completed);
        Assert.Equal(upstreamText, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Theory]
    [InlineData("{\"error\":{}}", true)]
    [InlineData("{ \"error\" :{}}", true)]
    [InlineData("{\r\n  \"error\": {}}", true)]
    [InlineData("{\"error\":null}", true)]
    [InlineData("{\"errors\":{}}", false)]
    [InlineData("{\"id\":\"x\",\"error\":{}}", false)]
    [InlineData("{\"choices\":[]}", false)]
    [InlineData("[DONE]", false)]
    [InlineData("", false)]
    [InlineData("{", false)]
    public void IsErrorChunk_FirstMemberIsError(string data, bool expected) =>
        Assert.Equal(expected, SseRelay.IsErrorChunk(Encoding.UTF8.GetBytes(data)));

    [Theory]
    [InlineData("{\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}")]
    [InlineData("{\"id\": \"c1\", \"choices\": [], \"usage\": {\"prompt_tokens\": 3, \"completion_tokens\": 2, \"total_tokens\": 5}}")]
    [InlineData("{\"id\":\"c1\",\"choices\" :\t[ \t ],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}")]
    public async Task RelayOpenAiAsync_UsageOnlyChunkTheClientDidNotAskFor_DroppedWhateverItsSpacing(string usageChunk)
    {
        // The gateway asks for include_usage on the client's behalf; the extra chunk (empty choices) must not reach a client
        // that did not ask, also when the upstream's JSON has spaces (Python's json.dumps default).
        var upstreamText = FirstOpenAiChunk + "data: " + usageChunk + "\n\ndata: [DONE]\n\n";
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(upstreamText), [upstreamText.Length]);
        var (http, body) = NewResponse();

        var result = await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: true, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.True(result.Completed);
        Assert.Equal(5, result.Usage?.InputTokens + result.Usage?.OutputTokens);
        Assert.Equal(FirstOpenAiChunk + "data: [DONE]\n\n", Encoding.UTF8.GetString(body.ToArray()));
    }

    [Theory]
    [InlineData("{\"choices\": [{\"index\": 0, \"delta\": {}, \"finish_reason\": \"stop\"}], \"usage\": {\"prompt_tokens\": 3, \"completion_tokens\": 2, \"total_tokens\": 5}}")]
    [InlineData("{\"choices\":[ {\"index\":0,\"delta\":{}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}")]
    public async Task RelayOpenAiAsync_UsageOnAChunkWithChoices_Kept(string usageChunk)
    {
        var upstreamText = FirstOpenAiChunk + "data: " + usageChunk + "\n\ndata: [DONE]\n\n";
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(upstreamText), [upstreamText.Length]);
        var (http, body) = NewResponse();

        await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: true, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.Equal(upstreamText, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Theory]
    [InlineData("\r", 0)]
    [InlineData("\r", 1)]
    [InlineData("\r\n", 0)]
    [InlineData("\r\n", 1)]
    [InlineData("\n", 1)]
    public async Task RelayOpenAiAsync_AnyLineTerminator_SeesDoneAndRelaysTheBytes(string eol, int piece)
    {
        // The SSE spec allows CR, LF or CRLF to end a line; a stream with bare CRs must end cleanly at its [DONE], whole
        // (piece 0) or one byte per read (every CRLF split between reads).
        var upstreamText = ("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}" + eol + eol
            + ": ping" + eol + eol
            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}" + eol + eol
            + "data: [DONE]" + eol + eol);
        var bytes = Encoding.UTF8.GetBytes(upstreamText);
        var upstream = new PieceStream(bytes, piece == 0 ? [bytes.Length] : Enumerable.Repeat(1, bytes.Length).ToArray());
        var (http, body) = NewResponse();

        var result = await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), CancellationToken.None);

        Assert.True(result.Completed);
        Assert.Equal(upstreamText, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Theory]
    [InlineData("data: a\n\n")]
    [InlineData("data: a\r\r")]
    [InlineData("data: a\r\n\r\n")]
    [InlineData("data: a\n\r\n")]
    [InlineData("data: a\r\n\n")]
    [InlineData("event: x\rdata: a\r\r")]
    public void TryReadEvent_AnyLineTerminator_EndsTheEventAtTheBlankLine(string evt)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(evt + "data: b"));

        Assert.True(SseRelay.TryReadEvent(ref buffer, out var read));
        Assert.Equal(evt, Encoding.UTF8.GetString(read.ToArray()));
        Assert.Equal("a", Encoding.UTF8.GetString(SseRelay.DataPayload(read.ToArray())));
        Assert.Equal("data: b", Encoding.UTF8.GetString(buffer.ToArray()));
        Assert.False(SseRelay.TryReadEvent(ref buffer, out _));
    }

    [Fact]
    public void TryReadEvent_CrAtTheEndOfALine_WaitsForTheNextLine()
    {
        var buffer = new ReadOnlySequence<byte>("data: a\r"u8.ToArray());

        Assert.False(SseRelay.TryReadEvent(ref buffer, out _));
    }

    private const string FirstOpenAiChunk = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"}}]}\n\n";

    [Fact]
    public async Task ReadIntoAsync_EventLongerThanTheBufferInSmallReads_ParsedWhole()
    {
        // The translated relays' reader: ~20 KB of data in one event (more than the 16 KiB buffer rented per read), 500 bytes per read.
        var content = new string('x', 20_000);
        var upstreamText = $"event: content\ndata: {content}\n\ndata: [DONE]\n\n";
        var upstream = new PieceStream(Encoding.UTF8.GetBytes(upstreamText), Enumerable.Repeat(500, upstreamText.Length / 500 + 1).ToArray());
        var parser = new Switchboard.Protocols.OpenAi.SseParser();
        var events = new List<(string? Name, string Data)>();

        while (await SseRelay.ReadIntoAsync(upstream, parser, CancellationToken.None) > 0)
        {
            while (parser.TryRead(out var evt))
            {
                events.Add((evt.Name, Encoding.UTF8.GetString(evt.Data.Span)));
            }
        }

        Assert.Equal(2, events.Count);
        Assert.Equal(("content", content), (events[0].Name, events[0].Data));
        Assert.Equal("[DONE]", events[1].Data);
    }

    [Fact]
    public async Task ReadIntoAsync_EachRead_WaitsWithAZeroByteReadFirst()
    {
        // No buffer is held while the upstream is quiet: every read with a buffer follows a zero-byte read.
        var upstream = new PieceStream(Encoding.UTF8.GetBytes("data: a\n\ndata: b\n\n"), [10, 10]);
        var parser = new Switchboard.Protocols.OpenAi.SseParser();

        while (await SseRelay.ReadIntoAsync(upstream, parser, CancellationToken.None) > 0)
        {
        }

        Assert.Equal([0, 16 * 1024, 0, 16 * 1024, 0, 16 * 1024], upstream.ReadSizes.Select(size => Math.Min(size, 16 * 1024)));
    }

    [Fact]
    public async Task RelayOpenAiAsync_ClientHangsUpWaitingForAnEvent_ReturnsCutWithoutThrowing()
    {
        // 1,000 streams cut at once rethrew ~8 exceptions each through the async frames (docs/benchmarks.md, teardown): the
        // relay now ends with a result the attempt loop logs and bills as the client's hang-up (architecture decision 11).
        using var hangUp = new CancellationTokenSource();
        // The hang-up comes while the relay waits, after it flushed what it had (it flushes before a read that waits).
        var (http, client) = NewRecordedResponse();
        var upstream = new HangUpStream("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"u8.ToArray(), hangUp, () => client.FlushCount > 0);
        http.RequestAborted = hangUp.Token;

        var result = await SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false, TimeProvider.System,
            TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), hangUp.Token);

        Assert.Equal(nameof(OperationCanceledException), result.ClientGone);
        Assert.False(result.Completed);
        Assert.Null(result.Usage);
        Assert.NotNull(result.TimeToFirstToken);
        Assert.StartsWith("data: {", Assert.Single(client.Flushed), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelayOpenAiAsync_CancelledWhileTheClientStays_StillThrows()
    {
        // The call's own request_timeout cancels the same token with the client still there: the attempt loop answers it
        // with the protocol's error event, so the relay must not take it for a hang-up.
        using var timeout = new CancellationTokenSource();
        var (http, client) = NewRecordedResponse();
        var upstream = new HangUpStream("data: {\"choices\":[]}\n\n"u8.ToArray(), timeout, () => client.FlushCount > 0);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SseRelay.RelayOpenAiAsync(upstream, http.Response, dropUsageOnlyChunk: false,
            TimeProvider.System, TimeProvider.System.GetTimestamp(), costOf: null, new DeliveredUsage(), timeout.Token));
    }

    [Fact]
    public async Task ReadIntoAsync_CancelledWithCutReturns_ReturnsCancelled()
    {
        using var hangUp = new CancellationTokenSource();
        var parser = new Switchboard.Protocols.OpenAi.SseParser();

        Assert.True(await SseRelay.ReadIntoAsync(new HangUpStream("data: a\n\n"u8.ToArray(), hangUp), parser, hangUp.Token, cutReturns: true) > 0);
        Assert.Equal(SseRelay.Cancelled, await SseRelay.ReadIntoAsync(new HangUpStream([], hangUp), parser, hangUp.Token, cutReturns: true));
    }

    [Fact]
    public async Task ReadIntoAsync_CancelledWithoutCutReturns_Throws()
    {
        // The pivot relays still take the exception (their callers do not look for the sentinel).
        using var hangUp = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await SseRelay.ReadIntoAsync(new HangUpStream([], hangUp), new Switchboard.Protocols.OpenAi.SseParser(), hangUp.Token));
    }

    [Fact]
    public async Task TryFlushToClientAsync_ReaderGone_ReturnsFalseAndFlushThrowsClientGone()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Reader.CompleteAsync();
        pipe.Writer.Write("data: a\n\n"u8);

        Assert.False(await Answer.TryFlushToClientAsync(pipe.Writer, CancellationToken.None));
        pipe.Writer.Write("data: b\n\n"u8);
        await Assert.ThrowsAsync<ClientGoneException>(async () => await Answer.FlushToClientAsync(pipe.Writer, CancellationToken.None));
    }

    [Fact]
    public async Task TryFlushToClientAsync_ReaderThere_ReturnsTrue()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        pipe.Writer.Write("data: a\n\n"u8);

        Assert.True(await Answer.TryFlushToClientAsync(pipe.Writer, CancellationToken.None));
        var read = await pipe.Reader.ReadAsync();
        Assert.Equal("data: a\n\n", Encoding.UTF8.GetString(read.Buffer.ToArray()));
    }

    private static (DefaultHttpContext Http, MemoryStream Body) NewResponse()
    {
        var body = new MemoryStream();
        var http = new DefaultHttpContext();
        http.Response.Body = body;
        return (http, body);
    }

    /// <summary>A response whose body records what each flush sent (one entry per flush that carried bytes).</summary>
    internal static (DefaultHttpContext Http, FlushRecorder Client) NewRecordedResponse()
    {
        var client = new FlushRecorder();
        var http = new DefaultHttpContext();
        http.Features.Set<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>(new StreamResponseBodyFeature(client));
        return (http, client);
    }

    /// <summary>The client's socket, as far as sends go: bytes written since the last flush make one send.</summary>
    internal sealed class FlushRecorder : MemoryStream
    {
        private long _sent;

        private int _flushCount;

        public List<string> Flushed { get; } = [];

        /// <summary>How many flushes carried bytes, readable from another thread while the relay runs.</summary>
        public int FlushCount => Volatile.Read(ref _flushCount);

        public override bool CanRead => false;

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            if (Length > _sent)
            {
                Flushed.Add(Encoding.UTF8.GetString(GetBuffer(), (int)_sent, (int)(Length - _sent)));
                _sent = Length;
                Interlocked.Increment(ref _flushCount);
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>An upstream body whose first data arrives when <paramref name="first"/> completes, then <paramref name="rest"/>.</summary>
    internal sealed class LateStream(Task<byte[]> first, byte[] rest) : UpstreamBody
    {
        private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reads;

        /// <summary>Completes when the relay waits for the first data.</summary>
        public Task Waiting => _waiting.Task;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!first.IsCompleted)
            {
                _waiting.TrySetResult();
                await first.WaitAsync(cancellationToken);
            }

            if (buffer.Length == 0)
            {
                return 0;
            }

            var data = _reads++ switch { 0 => first.Result, 1 => rest, _ => [] };
            data.CopyTo(buffer);
            return data.Length;
        }
    }

    /// <summary>A read-only, unseekable upstream body: subclasses give <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/>.</summary>
    internal abstract class UpstreamBody : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>
    /// An upstream body that hands out <paramref name="data"/> (one read), then, on the next read, cancels
    /// <paramref name="cut"/> (the client hanging up, or the call's timeout, while the relay waits; once
    /// <paramref name="cutWhen"/> holds, if given) and waits for the token it was given, as HttpClient's response stream does.
    /// </summary>
    private sealed class HangUpStream(byte[] data, CancellationTokenSource cut, Func<bool>? cutWhen = null) : UpstreamBody
    {
        private bool _given;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_given && data.Length > 0)
            {
                if (buffer.Length == 0)
                {
                    return 0;
                }

                _given = true;
                data.CopyTo(buffer);
                return data.Length;
            }

            for (var deadline = DateTime.UtcNow.AddSeconds(30); cutWhen is not null && !cutWhen() && DateTime.UtcNow < deadline;)
            {
                await Task.Delay(5, CancellationToken.None);
            }

            await cut.CancelAsync();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

    }

    /// <summary>An upstream body handed out in the given pieces (at most one piece per read); records each read's buffer size.</summary>
    internal sealed class PieceStream(byte[] data, int[] pieces) : UpstreamBody
    {
        private int _position;
        private int _piece;
        private int _leftInPiece = pieces[0];

        public List<int> ReadSizes { get; } = [];

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ReadSizes.Add(buffer.Length);
            if (_leftInPiece == 0 && _piece + 1 < pieces.Length && buffer.Length > 0)
            {
                _leftInPiece = pieces[++_piece];
            }

            var count = Math.Min(Math.Min(buffer.Length, _leftInPiece), data.Length - _position);
            data.AsSpan(_position, count).CopyTo(buffer.Span);
            _position += count;
            _leftInPiece -= count;
            return ValueTask.FromResult(count);
        }

    }
}
