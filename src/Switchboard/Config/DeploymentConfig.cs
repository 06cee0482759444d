using System.Globalization;
using System.Text;
using Switchboard.Observability;

namespace Switchboard.Config;

/// <summary>One <c>model_list</c> entry: one API key at one upstream endpoint, serving one model group.</summary>
public sealed record DeploymentConfig
{
    /// <summary>Position in <c>model_list</c>, for error paths.</summary>
    public required int Index { get; init; }

    /// <summary>The model group the client names (<c>model_name</c>); may hold <c>*</c> wildcards.</summary>
    public required string ModelName { get; init; }

    /// <summary>Stable id: <c>model_info.id</c>, else derived from group, model, base and key.</summary>
    public required string Id { get; init; }

    /// <summary>The provider prefix of <c>litellm_params.model</c>: openai, zai, anthropic, mock.</summary>
    public required string Provider { get; init; }

    /// <summary>The model name the upstream gets (<c>litellm_params.model</c> without the prefix).</summary>
    public required string UpstreamModel { get; init; }

    public string? ApiKey { get; init; }
    public required string ApiBase { get; init; }
    public string? ApiVersion { get; init; }
    public int? Rpm { get; init; }
    public int? Tpm { get; init; }
    public double? Weight { get; init; }
    public int? Order { get; init; }
    public TimeSpan? Timeout { get; init; }
    public TimeSpan? StreamTimeout { get; init; }

    /// <summary>The longest gap allowed between two reads of this deployment's stream (<c>stream_idle_timeout</c>).</summary>
    public TimeSpan? StreamIdleTimeout { get; init; }
    public int? MaxRetries { get; init; }
    public int? MaxParallelRequests { get; init; }
    public TimeSpan? CooldownTime { get; init; }
    public IReadOnlyDictionary<string, string> ExtraHeaders { get; init; } = new Dictionary<string, string>();
    public ModelInfoConfig ModelInfo { get; init; } = new();

    /// <summary>Parameters of the built-in mock provider (<c>mock/</c>): latency, chunks.</summary>
    public MockParams Mock { get; init; } = new();

    public bool IsWildcard => ModelName.Contains('*', StringComparison.Ordinal);

    /// <summary>What <c>ToString()</c> prints: the key masked, extra headers by name only (they may carry credentials).
    /// A record's generated <c>ToString()</c> would print the key whole into any log or exception that shows the record.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture,
            $"Index = {Index}, ModelName = {ModelName}, Id = {Id}, Provider = {Provider}, UpstreamModel = {UpstreamModel}, ");
        builder.Append(CultureInfo.InvariantCulture, $"ApiKey = {KeyMask.Mask(ApiKey)}, ApiBase = {ApiBase}, ApiVersion = {ApiVersion}, ");
        builder.Append(CultureInfo.InvariantCulture, $"Rpm = {Rpm}, Tpm = {Tpm}, Weight = {Weight}, Order = {Order}, Timeout = {Timeout}, ");
        builder.Append(CultureInfo.InvariantCulture, $"StreamTimeout = {StreamTimeout}, MaxRetries = {MaxRetries}, MaxParallelRequests = {MaxParallelRequests}, ");
        builder.Append(CultureInfo.InvariantCulture, $"CooldownTime = {CooldownTime}, ExtraHeaders = [{string.Join(", ", ExtraHeaders.Keys)}], ");
        builder.Append(CultureInfo.InvariantCulture, $"ModelInfo = {ModelInfo}, Mock = {Mock}");
        return true;
    }
}

public sealed record ModelInfoConfig
{
    /// <summary>LiteLLM's <c>mode</c>: chat (default), completion, embedding, ...</summary>
    public string? Mode { get; init; }
    public double? InputCostPerToken { get; init; }
    public double? OutputCostPerToken { get; init; }
    public double? CacheReadInputTokenCost { get; init; }
    public double? CacheCreationInputTokenCost { get; init; }
    public int? MaxOutputTokens { get; init; }
    public int? MaxInputTokens { get; init; }

    /// <summary>
    /// LiteLLM's <c>supported_endpoints</c> (e.g. <c>["/v1/chat/completions", "/v1/responses"]</c>): an upstream that lists
    /// <c>/v1/responses</c> speaks the Responses API itself, and gets Responses calls passed through.
    /// </summary>
    public IReadOnlyList<string> SupportedEndpoints { get; init; } = [];

    /// <summary>True when <see cref="SupportedEndpoints"/> lists the Responses API (with or without <c>/v1</c>).</summary>
    public bool SupportsResponses => SupportedEndpoints.Any(e => e.TrimEnd('/') is "/v1/responses" or "/responses");
}

/// <summary>Knobs of the in-process <c>mock/</c> provider (set in <c>litellm_params</c>).</summary>
public sealed record MockParams
{
    /// <summary>Delay before the first byte (<c>mock_latency_ms</c>).</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Number of content chunks in a stream (<c>mock_chunks</c>).</summary>
    public int Chunks { get; init; } = 8;

    /// <summary>Delay between stream chunks (<c>mock_chunk_delay_ms</c>).</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>Fixed answer text (<c>mock_response</c>), else a text naming the deployment.</summary>
    public string? Response { get; init; }
}
