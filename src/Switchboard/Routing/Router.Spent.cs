using System.Globalization;
using Switchboard.Upstream;

namespace Switchboard.Routing;

internal sealed partial class Router
{
    /// <summary>
    /// After a call's attempt was refused for its rate (429, Z.ai 1303): when every key the call could use is spent for its
    /// window — refused in it (by this call or another), resting, or at its learned or configured limit — the answer the
    /// client gets now, a 429 with the pool's truthful Retry-After (when the first of them is expected back, at least 1 s),
    /// instead of a backoff and retries that can only be refused again in the same windows, or a refused key tried again
    /// within its window (docs/pool-efficiency.md, "Over capacity"). Null when some key may still serve the call (usable now,
    /// or at a parallel cap and so worth the queue), when a key it tried failed for another reason (a 5xx, a timeout: those
    /// keep their retry), and with <c>adaptive_limits: false</c> (the guide's retries).
    /// </summary>
    public RouteDecision? SpentForWindow(ModelGroup group, UpstreamFailure failure, IReadOnlySet<string>? tried)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(failure);
        if (!Settings.AdaptiveLimits || failure.Kind != FailureKind.RateLimited)
        {
            return null;
        }

        lock (group.Gate)
        {
            var now = _time.GetUtcNow();
            DateTimeOffset? back = null;
            var enabled = 0;
            foreach (var d in group.Deployments)
            {
                if (d.Disabled)
                {
                    continue;
                }

                enabled++;
                if (d.Recovery(now, 0) is { } recovery)
                {
                    back = Min(back, recovery);
                }
                else if (d.Limits.RefusedInWindow || (tried?.Contains(d.Id) == true && d.LastFailureKind == FailureKind.RateLimited))
                {
                    // Refused in this window (or by this call, just as a new window of ours opened) though its expected end
                    // has passed: not tried again by this call; back as soon as its window is.
                    back = Min(back, d.Limits.WindowEnd is { } end && end > now ? end : now);
                }
                else
                {
                    return null;
                }
            }

            if (enabled == 0 || back is not { } first)
            {
                return null;
            }

            var seconds = RouteDecision.RetryAfterSeconds(first - now);
            return new RouteDecision
            {
                Reason = NoDeploymentReason.AllCoolingDown,
                RetryAfter = TimeSpan.FromSeconds(seconds),
                Message = string.Create(CultureInfo.InvariantCulture,
                    $"Every deployment of model group '{group.Name}' is spent for its rate-limit window; retry after {seconds} s."),
            };
        }
    }
}
