using Microsoft.Extensions.Logging;
using Switchboard.Upstream;

namespace Switchboard.Routing;

/// <summary>Every log event of the router. Keys appear only masked.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Deployment {DeploymentId} (key {MaskedKey}) of {Group} cooling down for {Seconds:0.#} s: {Reason}")]
    public static partial void CooldownStarted(ILogger logger, string deploymentId, string maskedKey, string group, double seconds, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "Deployment {DeploymentId} (key {MaskedKey}) of {Group} is back from cooldown ({Reason})")]
    public static partial void CooldownEnded(ILogger logger, string deploymentId, string maskedKey, string group, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information,
        Message = "Retrying {Group} call: from deployment {FromDeploymentId} to {ToDeploymentId} because {Reason}")]
    public static partial void Retrying(ILogger logger, string group, string fromDeploymentId, string toDeploymentId, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Critical,
        Message = "KEY DISABLED until config reload or an admin enables it (POST /deployment/ID/enable): deployment {DeploymentId} (key {MaskedKey}) of {Group}: HTTP {Status} {Code}: {Reason}")]
    public static partial void KeyDisabled(ILogger logger, string deploymentId, string maskedKey, string group, int status, string code, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug,
        Message = "Deployment {DeploymentId} of {Group} failed ({Kind}), {Count} of {Allowed} allowed fails this minute")]
    public static partial void FailCounted(ILogger logger, string deploymentId, string group, FailureKind kind, int count, int allowed);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning,
        Message = "KEY ENABLED again by {By}: deployment {DeploymentId} (key {MaskedKey}) of {Group}, disabled for: {Reason}")]
    public static partial void KeyEnabled(ILogger logger, string deploymentId, string maskedKey, string group, string by, string reason);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information,
        Message = "Probe of disabled deployment {DeploymentId} (key {MaskedKey}) of {Group} failed: {Reason}; it stays disabled")]
    public static partial void ProbeFailed(ILogger logger, string deploymentId, string maskedKey, string group, string reason);

    [LoggerMessage(EventId = 3090, Level = LogLevel.Information,
        Message = "Config reloaded: {Kept} deployments kept with their state, {Added} added, {Removed} removed (draining), {Groups} model groups")]
    public static partial void Reloaded(ILogger logger, int kept, int added, int removed, int groups);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information,
        Message = "Deployment {DeploymentId} (key {MaskedKey}) of {Group} cooling down for {Seconds:0.#} s as another instance reported: {Reason}")]
    public static partial void SharedCooldown(ILogger logger, string deploymentId, string maskedKey, string group, double seconds, string reason);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning,
        Message = "Deployment {DeploymentId} (key {MaskedKey}) of {Group} disabled = {Disabled} as another instance reported: {Reason}")]
    public static partial void SharedDisabled(ILogger logger, string deploymentId, string maskedKey, string group, bool disabled, string reason);
}
