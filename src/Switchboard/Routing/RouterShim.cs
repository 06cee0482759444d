// Temporary stand-in for the router being built on the `routing` branch (#3); deleted when that merges.
#pragma warning disable CA1822
using Microsoft.Extensions.Logging;
using Switchboard.Config;
using Switchboard.Upstream;

namespace Switchboard.Routing;

internal sealed class Router : IDisposable
{
    private readonly GatewayConfig _config;
    private int _next;

    public Router(GatewayConfig config, TimeProvider time, ILogger<Router> logger, Random? random = null)
    {
        _config = config;
        _ = time;
        _ = logger;
        _ = random;
        Groups = config.ModelList.GroupBy(d => d.ModelName, StringComparer.Ordinal)
            .Select(g => new ModelGroup(g.Key, g.Select(c => new Deployment(c)).ToList())).ToList();
    }

    public IReadOnlyList<ModelGroup> Groups { get; }

    public ModelGroup? ResolveGroup(string requestedModel)
    {
        if (_config.Router.ModelGroupAlias.TryGetValue(requestedModel, out var alias))
        {
            requestedModel = alias;
        }

        return Groups.FirstOrDefault(g => g.Name == requestedModel);
    }

    public ValueTask<RouteDecision> AcquireAsync(ModelGroup group, RouteRequest request, CancellationToken ct)
    {
        var candidates = group.Deployments.Where(d => request.Excluded is null || !request.Excluded.Contains(d.Id)).ToList();
        if (candidates.Count == 0)
        {
            return ValueTask.FromResult(new RouteDecision { Reason = NoDeploymentReason.AllTried, RetryAfter = TimeSpan.FromSeconds(1), Message = "all tried" });
        }

        var pick = candidates[(int)((uint)Interlocked.Increment(ref _next) % candidates.Count)];
        return ValueTask.FromResult(new RouteDecision { Lease = new DeploymentLease(pick, DateTimeOffset.UtcNow) });
    }

    public void ReportSuccess(DeploymentLease lease, AttemptOutcome outcome) { }

    public void ReportFailure(DeploymentLease lease, UpstreamFailure failure) { }

    public IReadOnlyList<string> FallbacksFor(string groupName, bool contextWindow = false) => [];

    public TimeSpan BackoffDelay(int attempt, TimeSpan? retryAfter) => retryAfter ?? TimeSpan.FromMilliseconds(100 * attempt);

    public int MaxRetriesFor(FailureKind kind) => _config.EffectiveNumRetries;

    public void Dispose() { }
}

internal sealed class ModelGroup(string name, IReadOnlyList<Deployment> deployments)
{
    public string Name { get; } = name;
    public IReadOnlyList<Deployment> Deployments { get; } = deployments;
}

internal sealed class Deployment(DeploymentConfig config)
{
    public DeploymentConfig Config { get; } = config;
    public string Id => Config.Id;
    public string Group => Config.ModelName;
}

internal readonly record struct RouteRequest(IReadOnlySet<string>? Excluded, string? SessionId, int EstimatedTokens);

internal enum NoDeploymentReason { None, AllCoolingDown, AllDisabled, AllTried, QueueFull, QueueTimeout, Empty }

internal sealed class RouteDecision
{
    public DeploymentLease? Lease { get; init; }
    public bool Success => Lease is not null;
    public NoDeploymentReason Reason { get; init; }
    public TimeSpan? RetryAfter { get; init; }
    public bool AllOverloaded { get; init; }
    public bool LongOutage { get; init; }
    public string Message { get; init; } = "";
}

internal sealed class DeploymentLease(Deployment deployment, DateTimeOffset startedAt) : IDisposable
{
    public Deployment Deployment { get; } = deployment;
    public DateTimeOffset StartedAt { get; } = startedAt;
    public void Dispose() { }
}

internal readonly record struct AttemptOutcome(TimeSpan Latency, TimeSpan? TimeToFirstToken, int InputTokens, int OutputTokens, RateLimitHint? RateLimit);
