using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Switchboard.Api;

/// <summary>
/// How every successful answer starts, whatever its protocol: status, content type, then the headers every answer
/// carries before its body (durations, and cost once the usage is known).
/// </summary>
internal static class Answer
{
    /// <summary>
    /// Writes a whole JSON answer; <paramref name="usage"/> goes into the cost headers. The bytes are copied into the
    /// response before this returns, so <paramref name="body"/> may be a pooled buffer its owner reuses afterwards.
    /// </summary>
    public static ValueTask<RelayResult> WriteJsonAsync(HttpResponse http, ReadOnlySpan<byte> body, Protocols.TokenUsage? usage, CallState call, TimeProvider time, CancellationToken ct)
    {
        http.StatusCode = 200;
        http.ContentType = "application/json";
        http.ContentLength = body.Length;
        call.Usage = usage;
        WriteHeaders(http, call, time);
        http.BodyWriter.Write(body);
        var result = new RelayResult(usage, null, true);

        // Usually done at once (the answer fits the socket's buffer): then no state machine is allocated.
        var flush = FlushToClientAsync(http.BodyWriter, ct);
        return flush.IsCompletedSuccessfully ? new ValueTask<RelayResult>(result) : AwaitAsync(flush, result);

        static async ValueTask<RelayResult> AwaitAsync(ValueTask flush, RelayResult result)
        {
            await flush;
            return result;
        }
    }

    /// <summary>Starts an event stream and sends its headers at once, before the first upstream byte.</summary>
    public static async Task StartEventStreamAsync(HttpResponse http, CallState call, TimeProvider time, CancellationToken ct)
    {
        await BeginEventStreamAsync(http, call, time, ct);
        await FlushToClientAsync(http.BodyWriter, ct);
    }

    /// <summary>
    /// Starts an event stream (the response has started: no retry after this, architecture decision 2) with its headers
    /// written but not yet flushed. The relay flushes them before it waits for the upstream, or with the first event when the
    /// upstream had already sent it (one send to the client instead of two; docs/benchmarks.md, "Time to first token").
    /// </summary>
    public static Task BeginEventStreamAsync(HttpResponse http, CallState call, TimeProvider time, CancellationToken ct)
    {
        http.StatusCode = 200;
        http.ContentType = "text/event-stream; charset=utf-8";
        http.Headers.CacheControl = "no-cache";
        http.Headers["x-accel-buffering"] = "no";
        WriteHeaders(http, call, time);
        return http.StartAsync(ct);
    }

    /// <summary>
    /// Flushes to the client; a client that is gone (the pipe completed, or the write failed) raises
    /// <see cref="ClientGoneException"/>, so that it is never taken for an upstream failure (architecture decision 11).
    /// </summary>
    public static ValueTask FlushToClientAsync(PipeWriter output, CancellationToken ct)
    {
        var flush = TryFlushToClientAsync(output, ct);
        if (flush.IsCompletedSuccessfully)
        {
            return flush.Result ? ValueTask.CompletedTask : throw new ClientGoneException();
        }

        return AwaitAsync(flush);

        static async ValueTask AwaitAsync(ValueTask<bool> flush)
        {
            if (!await flush)
            {
                throw new ClientGoneException();
            }
        }
    }

    /// <summary>
    /// Flushes to the client; false when it is gone (the pipe completed or cancelled, or the write failed while
    /// <paramref name="ct"/> was not cancelled), without an exception: the stream relays end their loop on it
    /// (<see cref="RelayResult.Cut"/>). A cancelled <paramref name="ct"/> still throws, as before.
    /// </summary>
    public static ValueTask<bool> TryFlushToClientAsync(PipeWriter output, CancellationToken ct)
    {
        var flush = output.FlushAsync(ct);
        if (flush.IsCompletedSuccessfully)
        {
            return new ValueTask<bool>(IsOpen(flush.Result));
        }

        return AwaitAsync(flush, ct);

        static async ValueTask<bool> AwaitAsync(ValueTask<FlushResult> flush, CancellationToken ct)
        {
            try
            {
                return IsOpen(await flush);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    private static bool IsOpen(FlushResult result) => !(result.IsCompleted || result.IsCanceled);

    public static void WriteHeaders(HttpResponse http, CallState call, TimeProvider time)
    {
        var total = time.GetElapsedTime(call.StartTimestamp);
        var overhead = total - call.UpstreamTime;
        http.Headers["x-litellm-response-duration-ms"] = DurationText.Milliseconds(total);
        http.Headers["x-litellm-overhead-duration-ms"] = DurationText.Milliseconds(overhead);
        if (call.Usage is not null)
        {
            var cost = call.Cost;
            http.Headers["x-litellm-response-cost"] = cost.ToString("0.##########", CultureInfo.InvariantCulture);
            if (call.KeySpendBefore is { } spend)
            {
                http.Headers["x-litellm-key-spend"] = (spend + cost).ToString("0.##########", CultureInfo.InvariantCulture);
            }
        }
    }
}
