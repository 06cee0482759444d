using Switchboard.Config;

namespace Switchboard.Routing;

/// <summary>
/// One deployment's learned limits (requests per window, window length, concurrency) and its current window, taken from
/// a router so that a router rebuilt from a reloaded config goes on pacing where the old one was
/// (<see cref="Router.ExportLearnedLimits"/>, <see cref="Router.ImportLearnedLimits"/>; docs/pool-efficiency.md).
/// Only carried over to a deployment with the same id, upstream, model and key: a changed key has its own limits.
/// Kept in memory only; nothing of the key is stored but a hash for that comparison.
/// </summary>
internal sealed class LearnedLimits
{
    internal LearnedLimits(DeploymentConfig config, LimitEstimator estimator)
    {
        Upstream = Fingerprint(config);
        Estimator = estimator;
    }

    /// <summary>A copy of the estimator as it was exported.</summary>
    internal LimitEstimator Estimator { get; }

    private int Upstream { get; }

    internal bool Fits(DeploymentConfig config) => Upstream == Fingerprint(config);

    private static int Fingerprint(DeploymentConfig config) =>
        HashCode.Combine(config.ApiBase, config.ApiKey, config.UpstreamModel, config.Provider);
}
