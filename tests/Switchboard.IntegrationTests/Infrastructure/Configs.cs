using Switchboard.Config;

namespace Switchboard.IntegrationTests.Infrastructure;

/// <summary>Configs built in code for tests.</summary>
internal static class Configs
{
    public static DeploymentConfig Mock(string group, string id, int chunks = 4, TimeSpan? chunkDelay = null, string? response = null, int index = 0) => new()
    {
        Index = index,
        ModelName = group,
        Id = id,
        Provider = "mock",
        UpstreamModel = "glm-4.6",
        ApiBase = "mock://local",
        ApiKey = "sk-mock-" + id + "-secret",
        Mock = new MockParams { Chunks = chunks, ChunkDelay = chunkDelay ?? TimeSpan.Zero, Response = response },
    };

    public static DeploymentConfig Http(string group, string id, Uri baseUrl, string key, string provider = "openai", string upstreamModel = "glm-4.6", int index = 0) => new()
    {
        Index = index,
        ModelName = group,
        Id = id,
        Provider = provider,
        UpstreamModel = upstreamModel,
        ApiBase = provider == "anthropic" ? baseUrl.ToString().TrimEnd('/') : baseUrl.ToString().TrimEnd('/') + "/v1",
        ApiKey = key,
    };

    public static GatewayConfig Of(params DeploymentConfig[] deployments) => new() { ModelList = deployments };
}
