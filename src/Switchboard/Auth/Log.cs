using Microsoft.Extensions.Logging;

namespace Switchboard.Auth;

internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Key store unreachable while looking up key {MaskedKey}; {Outcome}")]
    public static partial void KeyLookupFailed(ILogger logger, string maskedKey, string outcome, Exception exception);
}
