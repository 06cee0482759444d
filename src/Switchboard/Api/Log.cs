using Microsoft.Extensions.Logging;

namespace Switchboard.Api;

internal static partial class Log
{
    [LoggerMessage(EventId = Observability.RequestLogFormat.EventId, Level = LogLevel.Information, Message = Observability.RequestLogFormat.Template)]
    public static partial void Request(ILogger logger, string method, string path, int status, string? model, string? group, string? deployment,
        int retries, bool stream, double durationMs, double overheadMs, string callId);

    /// <summary>
    /// The request line: written straight into the buffered output as UTF-8 where <paramref name="direct"/> can (the same
    /// bytes, architecture decision 14), else through <paramref name="logger"/>.
    /// </summary>
    public static void Request(Observability.RequestLog? direct, ILogger logger, in Observability.RequestLine line)
    {
        if (direct is null || !direct.TryWrite(line))
        {
            Request(logger, line.Method, line.Path, line.Status, line.Model, line.Group, line.Deployment, line.Retries, line.Stream, line.DurationMs,
                line.OverheadMs, line.CallId);
        }
    }

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning,
        Message = "stream broke mid-way call_id={CallId} deployment={Deployment}: {Error}")]
    public static partial void MidStreamFailure(ILogger logger, string callId, string deployment, string error);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information,
        Message = "upstream rejected the request call_id={CallId}: HTTP {Status} ({Kind}); returned to the client, not retried")]
    public static partial void UpstreamRejected(ILogger logger, string callId, int status, string kind);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "unhandled error on {Path} call_id={CallId}")]
    public static partial void Unhandled(ILogger logger, Exception exception, string path, string? callId);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Switchboard listening on {Url} with config {Config}: {Groups} model group(s), {Deployments} deployment(s), strategy {Strategy}")]
    public static partial void Started(ILogger logger, string url, string config, int groups, int deployments, string strategy);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information,
        Message = "socket completions run {Mode} (SWITCHBOARD_INLINE_COMPLETIONS=0 turns inline completions off)")]
    public static partial void SocketCompletions(ILogger logger, string mode);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "memory: {Gc} GC, gen0 budget {Gen0Budget}, collection when quiet after a burst {Quiet}, W^X {WriteXorExecute}")]
    public static partial void MemorySettings(ILogger logger, string gc, string gen0Budget, string quiet, string writeXorExecute);

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning,
        Message = "untrusted upstream answer call_id={CallId} deployment={Deployment}: {Problem}; counted as a failure, retried elsewhere")]
    public static partial void UntrustedAnswer(ILogger logger, string callId, string deployment, string problem);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information,
        Message = "client hung up mid-answer call_id={CallId} deployment={Deployment} ({Error}); deployment health unchanged")]
    public static partial void ClientGone(ILogger logger, string callId, string deployment, string error);
}
