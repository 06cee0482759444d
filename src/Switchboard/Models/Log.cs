using Microsoft.Extensions.Logging;

namespace Switchboard.Models;

internal static partial class Log
{
    [LoggerMessage(EventId = 9101, Level = LogLevel.Information,
        Message = "Stored deployments loaded from the database ({Trigger}): {Count} deployment(s), version {Version}")]
    public static partial void Loaded(ILogger logger, int count, long version, string trigger);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Error,
        Message = "Stored deployment {Id} skipped: {Error}")]
    public static partial void Skipped(ILogger logger, string id, string error);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Warning,
        Message = "Stored deployment {Id} has the id of a deployment of the config file; the file's one is used")]
    public static partial void ShadowedByFile(ILogger logger, string id);

    [LoggerMessage(EventId = 9104, Level = LogLevel.Warning,
        Message = "Stored deployments could not be read from the database ({Trigger}); the ones in force stay")]
    public static partial void RefreshFailed(ILogger logger, Exception exception, string trigger);

    [LoggerMessage(EventId = 9105, Level = LogLevel.Information,
        Message = "Stored deployment {Id} ({ModelName}) {Action} through {Path}")]
    public static partial void Changed(ILogger logger, string id, string modelName, string action, string path);
}
