using Microsoft.Extensions.Logging;

namespace Switchboard.Usage;

internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning,
        Message = "Writing {Count} usage records failed ({Buffered} kept in memory); retrying in {RetryMs} ms")]
    public static partial void UsageWriteFailed(ILogger logger, int count, int buffered, long retryMs, Exception exception);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Usage store reachable again after {FailedBatches} failed batches")]
    public static partial void UsageStoreRecovered(ILogger logger, long failedBatches);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning,
        Message = "Usage records dropped: {Dropped} in total ({Reason})")]
    public static partial void UsageRecordsDropped(ILogger logger, long dropped, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Usage drain stopped before the end: {Pending} records not written")]
    public static partial void UsageDrainIncomplete(ILogger logger, long pending);
}
