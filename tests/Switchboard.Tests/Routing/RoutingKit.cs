using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Config;
using Switchboard.Routing;
using Switchboard.Upstream;

namespace Switchboard.Tests.Routing;

/// <summary>Builds routers over hand-made configs with a fake clock.</summary>
internal static class RoutingKit
{
    /// <summary>Half a minute into a UTC minute, so short cooldowns never straddle rpm windows by accident.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public static DeploymentConfig Dep(string id, string group = "pool") => new()
    {
        Index = 0,
        ModelName = group,
        Id = id,
        Provider = "openai",
        UpstreamModel = "glm-4.6",
        ApiBase = "http://127.0.0.1:9/v1",
        ApiKey = $"sk-secret-{id}-0123456789",
    };

    public static GatewayConfig Config(RouterSettings settings, params DeploymentConfig[] deployments) =>
        new() { ModelList = deployments, Router = settings };

    public static (Router Router, FakeTimeProvider Time, CapturingLogger Log) Build(
        RouterSettings settings, params DeploymentConfig[] deployments) => Build(Config(settings, deployments));

    public static (Router Router, FakeTimeProvider Time, CapturingLogger Log) Build(GatewayConfig config, int seed = 42)
    {
        var time = new FakeTimeProvider(Start);
        var log = new CapturingLogger();
        return (new Router(config, time, log, new Random(seed)), time, log);
    }

    public static RouteRequest Req(params string[] excluded) =>
        new(excluded.Length == 0 ? null : excluded.ToHashSet(), null, 100);

    public static async Task<RouteDecision> AcquireAsync(this Router router, string group = "pool", RouteRequest? request = null) =>
        await router.AcquireAsync(router.GetGroup(group)!, request ?? Req(), CancellationToken.None);

    /// <summary>Acquires and releases at once; returns the deployment id, or null when none was given.</summary>
    public static async Task<string?> PickAsync(this Router router, string group = "pool", RouteRequest? request = null)
    {
        var d = await router.AcquireAsync(group, request);
        d.Lease?.Dispose();
        return d.Lease?.Deployment.Id;
    }

    public static async Task<Dictionary<string, int>> CountPicksAsync(this Router router, int n, string group = "pool")
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < n; i++)
        {
            var id = await router.PickAsync(group) ?? "(none)";
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        return counts;
    }

    /// <summary>Acquires a deployment by id (by excluding the others) and reports the failure on it.</summary>
    public static async Task FailAsync(this Router router, string id, UpstreamFailure failure, string group = "pool")
    {
        var others = router.GetGroup(group)!.Deployments.Select(d => d.Id).Where(x => x != id).ToArray();
        var d = await router.AcquireAsync(group, Req(others));
        Assert.Equal(id, d.Lease?.Deployment.Id);
        router.ReportFailure(d.Lease!, failure);
        d.Lease!.Dispose();
    }

    public static async Task SucceedAsync(this Router router, string id, AttemptOutcome outcome, string group = "pool")
    {
        var others = router.GetGroup(group)!.Deployments.Select(d => d.Id).Where(x => x != id).ToArray();
        var d = await router.AcquireAsync(group, Req(others));
        Assert.Equal(id, d.Lease?.Deployment.Id);
        router.ReportSuccess(d.Lease!, outcome);
        d.Lease!.Dispose();
    }

    public static UpstreamFailure Failure(FailureKind kind, int status = 500, string? code = null, TimeSpan? retryAfter = null,
        DateTimeOffset? until = null, string message = "boom") => new(kind, status, code, message, retryAfter, until);

    public static UpstreamFailure Zai(string code, DateTimeOffset now, int status = 429, string? message = null) =>
        FailureClassifier.Classify("openai", status, _ => null,
            System.Text.Encoding.UTF8.GetBytes("{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + (message ?? "zai says " + code) + "\"}}"), now);

    public static DeploymentStatus Status(this Router router, string id) =>
        router.Snapshot().Groups.SelectMany(g => g.Deployments).Single(d => d.Id == id);
}

internal sealed class CapturingLogger : ILogger<Router>
{
    public List<(LogLevel Level, EventId Id, string Message)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Entries)
        {
            Entries.Add((logLevel, eventId, formatter(state, exception)));
        }
    }
}
