using Microsoft.Extensions.Logging;

namespace Switchboard.Hosting;

internal static partial class Log
{
    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "memory: quiet after a burst, collected: GC committed {BeforeMb} -> {AfterMb} MB in {Milliseconds} ms")]
    public static partial void CollectedWhenQuiet(ILogger logger, long beforeMb, long afterMb, long milliseconds);
}
