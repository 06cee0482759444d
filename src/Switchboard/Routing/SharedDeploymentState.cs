using Switchboard.Upstream;

namespace Switchboard.Routing;

/// <summary>A deployment's health as other instances should see it: disabled, or cooling down until a time.</summary>
internal sealed record SharedDeploymentState(
    string DeploymentId, bool Disabled, string DisabledReason, DateTimeOffset? CooldownUntil, FailureKind CooldownKind, string CooldownReason);
