using Microsoft.Extensions.Logging;

namespace Switchboard.Cluster;

/// <summary>Every log event of the shared state. Never a password: endpoints only.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning,
        Message = "Shared state: Redis at {Endpoint} is unreachable ({Reason}); going on with this instance's own state until it is back")]
    public static partial void RedisDown(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information,
        Message = "Shared state: Redis at {Endpoint} connected; cooldowns, disabled keys and limits are shared again")]
    public static partial void RedisUp(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Debug, Message = "Shared state: a message from another instance could not be applied: {Message}")]
    public static partial void BadMessage(ILogger logger, string message, Exception error);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Information, Message = "Shared state: merged {Count} deployment states with Redis")]
    public static partial void Merged(ILogger logger, int count);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Information,
        Message = "Shared state: merged the outage journal into Redis: {Requests} calls in running windows, {Leases} leases of running calls, spend {Spend} USD ({Dropped} window entries over the journal's bound were counted here only)")]
    public static partial void OutageMerged(ILogger logger, long requests, int leases, double spend, int dropped);
}
