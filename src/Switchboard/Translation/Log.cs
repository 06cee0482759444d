using Microsoft.Extensions.Logging;

namespace Switchboard.Translation;

internal static partial class Log
{
    [LoggerMessage(EventId = 8001, Level = LogLevel.Debug, Message = "{Direction} translation: {Note}")]
    public static partial void Ignored(ILogger logger, string direction, string note);
}
