using System.Globalization;

namespace Switchboard.Routing;

internal sealed partial class Router
{
    private static RouteDecision NoDeployment(ModelGroup group, Evaluation e, DateTimeOffset now)
    {
        var name = group.Name;
        TimeSpan? wait = e.Earliest is { } at ? Max(at - now, TimeSpan.Zero) : null;
        switch (e.Reason)
        {
            case NoDeploymentReason.Empty:
                return new RouteDecision { Reason = e.Reason, Message = $"Model group '{name}' has no deployments." };
            case NoDeploymentReason.AllDisabled:
                return new RouteDecision
                {
                    Reason = e.Reason,
                    LongOutage = true,
                    Message = $"Every API key of model group '{name}' is disabled (rejected by the upstream); fix the config and reload, or enable a key again (POST /deployment/ID/enable, or switchboard deployments enable ID).",
                };
            case NoDeploymentReason.AllTried:
                return new RouteDecision
                {
                    Reason = e.Reason,
                    RetryAfter = wait,
                    AllOverloaded = e.AllOverloaded,
                    LongOutage = e.LongOutage,
                    Message = $"Every available deployment of model group '{name}' was tried for this call.",
                };
            default:
                var seconds = wait is { } w ? RouteDecision.RetryAfterSeconds(w) : 1;
                var what = e.AllOverloaded ? "the upstream is overloaded" : "all deployments are cooling down";
                return new RouteDecision
                {
                    Reason = NoDeploymentReason.AllCoolingDown,
                    RetryAfter = TimeSpan.FromSeconds(seconds),
                    AllOverloaded = e.AllOverloaded,
                    LongOutage = e.LongOutage,
                    Message = string.Create(CultureInfo.InvariantCulture,
                        $"No deployment of model group '{name}' is available: {what} ({e.Enabled} of them); retry after {seconds} s."),
                };
        }
    }

    private static RouteDecision QueueDecision(ModelGroup group, NoDeploymentReason reason) => new()
    {
        Reason = reason,
        RetryAfter = TimeSpan.FromSeconds(1),
        Message = reason == NoDeploymentReason.QueueFull
            ? $"Every deployment of model group '{group.Name}' is at its concurrency limit and the wait queue is full."
            : $"Timed out waiting for a free deployment of model group '{group.Name}'.",
    };

    private static DateTimeOffset Min(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : Min(a, b.Value);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private readonly record struct Evaluation
    {
        public Deployment? Pick { get; init; }

        public NoDeploymentReason Reason { get; init; }

        /// <summary>Every usable deployment is at its parallel cap: wait in the queue.</summary>
        public bool Queue { get; init; }

        public DateTimeOffset? Earliest { get; init; }

        public bool AllOverloaded { get; init; }

        public bool LongOutage { get; init; }

        public int Enabled { get; init; }
    }
}
