using Microsoft.Extensions.Logging;

namespace Switchboard.Admission;

internal static partial class Log
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Budget of key {KeyAlias} reset; next reset at {NextReset}")]
    public static partial void BudgetReset(ILogger logger, string keyAlias, DateTimeOffset nextReset);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Could not store the budget reset of key {KeyAlias}; the in-memory reset stands")]
    public static partial void BudgetResetWriteFailed(ILogger logger, string keyAlias, Exception exception);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Key {KeyAlias} has an unreadable budget_duration '{Duration}'; its budget never resets")]
    public static partial void BadBudgetDuration(ILogger logger, string keyAlias, string duration);
}
