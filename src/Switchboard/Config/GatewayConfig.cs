namespace Switchboard.Config;

/// <summary>
/// The validated, immutable snapshot of a LiteLLM-schema config file. Built once by
/// <see cref="ConfigLoader"/>; a reload builds a new one and swaps it atomically.
/// </summary>
public sealed record GatewayConfig
{
    public required IReadOnlyList<DeploymentConfig> ModelList { get; init; }
    public RouterSettings Router { get; init; } = new();
    public LiteLlmSettings LiteLlm { get; init; } = new();
    public GeneralSettings General { get; init; } = new();

    /// <summary>The file the config came from, or null when built in code.</summary>
    public string? SourcePath { get; init; }

    /// <summary>
    /// The text this config was parsed from when it came from a file: the file watcher compares later saves with it,
    /// so an edit made between the start's read and the watcher's start is still applied (docs/architecture.md, decision 2).
    /// </summary>
    public string? SourceText { get; init; }

    /// <summary>Model group names in first-seen order (wildcard entries included).</summary>
    public IEnumerable<string> ModelGroups => ModelList.Select(d => d.ModelName).Distinct(StringComparer.Ordinal);

    /// <summary>The retry count in force: router_settings wins over litellm_settings; default 2.</summary>
    public int EffectiveNumRetries => Router.NumRetries ?? LiteLlm.NumRetries ?? 2;

    /// <summary>The bound on a whole call: router timeout / request_timeout, else litellm_settings, else 600 s.</summary>
    public TimeSpan EffectiveRequestTimeout => Router.Timeout ?? Router.RequestTimeout ?? LiteLlm.RequestTimeout ?? TimeSpan.FromSeconds(600);
}
